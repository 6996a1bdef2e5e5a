// Generator for the audit's "Models Not Yet in PG Schema" (connectors/disputes.yaml,
// chats, notifications, shopSettings, configSettings, levelConfigs, addresses,
// reviews, telegramLinks, telegramSessions, blogPosts, tempVerifications). Every
// expectation follows those mappings:
//   legacy enum spellings (rates.legacyEnum)         accepted (mapped to one value)
//   unknown enum values / a chain id stored as text  rejected (rates.legacyEnum / 20)
//   a NOT NULL field missing (rates.nullAmount: the
//     CR-4 family "NULL where NOT NULL", reused)     rejected
//   dangling reference (rates.danglingRef)           orphan, except a review's subject:
//                                                    no FK there, so accepted
//   hundreds of chat messages / dispute timeline
//     entries (rates.longArrays)                     accepted
//   lean { $numberDecimal } / scientific-notation
//     amounts, 24-hex string ids, numeric-string
//     Telegram ids                                   accepted

import { Decimal128, Long, ObjectId } from 'bson';
import type { Expectation, GeneratedDoc, HardCaseRates, Pools } from './model.js';
import type { Random } from './random.js';

export const EXTENDED_COLLECTIONS = [
  'disputes', 'chats', 'notifications', 'shopSettings', 'configSettings', 'levelConfigs',
  'addresses', 'reviews', 'telegramLinks', 'telegramSessions', 'blogPosts', 'tempVerifications',
] as const;

export interface ExtendedOptions {
  /** ≈ number of purchase requests; sizes every collection (see generateExtended). */
  scale: number;
  rates: HardCaseRates;
}

const YEAR_START = Date.UTC(2025, 0, 1);
const MINUTE = 60_000;
const DAY = 86_400_000;

/** Why a document will not simply land: the first rejection wins over any dangling ref. */
class Outcome {
  private rejected: string | undefined;
  private dangling: string | undefined;
  reject(why: string): void { this.rejected ??= why; }
  dangle(why: string): void { this.dangling ??= why; }
  get expect(): Expectation {
    return this.rejected !== undefined ? 'rejected' : this.dangling !== undefined ? 'orphan' : 'accepted';
  }
  get why(): string | undefined { return this.rejected ?? this.dangling; }
}

interface ChatInfo { id: ObjectId; users: ObjectId[]; purchaseRequestId: ObjectId | undefined }
interface LinkInfo { id: ObjectId; userId: ObjectId; telegramUserId: number; createdAt: Date }

/**
 * Documents of the twelve collections for `pools` (accepted ids of users,
 * purchaseRequests, payments, sellerOffers from the core generator). With S = scale
 * and U = users: disputes ≈ S/50, chats ≈ S/5 (0..40 messages; hundreds when
 * longArrays fires), notifications ≈ 2S, addresses ≈ U/2, reviews ≈ S/10, telegram
 * links ≈ U/10 (+ a session per active link), blogPosts 20, configSettings 30,
 * levelConfigs 6, shopSettings ≈ U/50, tempVerifications ≈ U/20. Collections whose
 * required parents have an empty pool are skipped.
 */
export function generateExtended(rng: Random, pools: Pools, opts: ExtendedOptions): GeneratedDoc[] {
  return new Extended(rng, pools, opts).run();
}

class Extended {
  private readonly out: GeneratedDoc[] = [];
  private readonly rates: HardCaseRates;
  private readonly invalidRate: number;
  /** Accepted ids of this generator's own parents. */
  private readonly disputeChats: ChatInfo[] = [];
  private readonly blogPosts: ObjectId[] = [];
  private readonly links: LinkInfo[] = [];

  constructor(private readonly rng: Random, private readonly pools: Pools, private readonly opts: ExtendedOptions) {
    this.rates = opts.rates;
    this.invalidRate = opts.rates.legacyEnum / 20;
  }

  private get users(): ObjectId[] { return this.pools.users ?? []; }
  private pool(name: string): ObjectId[] { return this.pools[name] ?? []; }

  run(): GeneratedDoc[] {
    const s = this.opts.scale;
    const u = this.users.length;
    this.levelConfigs();
    this.configSettings();
    this.times(20, (i) => this.blogPost(i));
    this.times(Math.round(u / 20), () => this.tempVerification());
    if (u === 0) return this.out; // everything below references users
    this.times(Math.round(s / 5), () => this.chat());
    if (this.pool('purchaseRequests').length > 0) this.times(Math.round(s / 50), () => this.dispute());
    this.times(Math.round(2 * s), () => this.notification());
    this.addresses(Math.round(u / 2));
    this.times(Math.round(s / 10), () => this.review());
    this.telegram(Math.round(u / 10));
    this.shopSettings(Math.round(u / 50));
    return this.out;
  }

  // ------------------------------------------------------------------ helpers

  private times(n: number, f: (i: number) => void): void {
    for (let i = 0; i < n; i++) f(i);
  }

  private id(): ObjectId {
    return new ObjectId(this.rng.hex(12));
  }

  /** A moment in 2025, or up to `days` after `after`. */
  private date(after?: Date, days = 20): Date {
    const base = after?.getTime() ?? YEAR_START;
    return new Date(base + Math.floor(this.rng.next() * (after === undefined ? 330 : days) * DAY));
  }

  private add(collection: string, doc: Record<string, unknown>, o: Outcome): Expectation {
    const { expect, why } = o;
    this.out.push({ collection, doc, expect, ...(why === undefined ? {} : { why }) });
    return expect;
  }

  /** An accepted parent from `pool`, or (danglingRef) a fresh id that never exists. */
  private ref(pool: ObjectId[], o: Outcome, what: string): ObjectId {
    if (pool.length === 0 || this.rng.chance(this.rates.danglingRef)) {
      o.dangle(`dangling ${what}`);
      return this.id();
    }
    return this.rng.pick(pool);
  }

  /** Legacy code stored some ids with String(): accepted where the mapping says acceptHexString. */
  private maybeHex(id: ObjectId, p: number): ObjectId | string {
    return this.rng.chance(p) ? id.toHexString() : id;
  }

  /** A NOT NULL field the document lacks (rates.nullAmount). */
  private missing(o: Outcome, what: string): boolean {
    if (!this.rng.chance(this.rates.nullAmount)) return false;
    o.reject(`missing ${what} (NOT NULL)`);
    return true;
  }

  /** A current value, a mapped legacy spelling, or (rarely) an unknown one that is rejected. */
  private enumValue(o: Outcome, what: string, current: readonly string[], legacy: readonly string[], unknown: string): string {
    if (this.rng.chance(this.invalidRate)) {
      o.reject(`unknown ${what} ${JSON.stringify(unknown)}`);
      return unknown;
    }
    if (legacy.length > 0 && this.rng.chance(this.rates.legacyEnum)) return this.rng.pick(legacy);
    return this.rng.pick(current);
  }

  private amountText(min: number, max: number): string {
    const cents = this.rng.int(0, 99);
    return cents === 0 ? String(this.rng.int(min, max)) : `${this.rng.int(min, max)}.${String(cents).padStart(2, '0')}`;
  }

  /** Money as MongoDB may hold it: Decimal128, lean { $numberDecimal }, or exponent-prone forms. */
  private money(text: string): unknown {
    if (this.rng.chance(this.rates.leanDecimal)) return { $numberDecimal: text };
    if (this.rng.chance(this.rates.scientificNotation)) {
      return this.rng.pick([1e-7, Decimal128.fromString('1.5E+3'), Decimal128.fromString('2.5E-7')]);
    }
    return Decimal128.fromString(text);
  }

  // ------------------------------------------------------------------ small collections

  private levelConfigs(): void {
    const levels = [['Bronze', 0], ['Silver', 1000], ['Gold', 5000], ['Platinum', 20000], ['Diamond', 50000], ['Legend', 100000]] as const;
    levels.forEach(([name, minPoints], level) => {
      const created = this.date();
      const next = levels[level + 1];
      this.add('levelConfigs', {
        _id: this.id(),
        level,
        name,
        minPoints: level === 5 ? Long.fromNumber(minPoints) : minPoints,
        ...(next === undefined ? {} : { maxPoints: next[1] - 1 }),
        benefits: {
          discountPercent: level * 2.5,
          pointsMultiplier: Decimal128.fromString((1 + level * 0.25).toFixed(2)),
          freeShipping: level >= 2,
          prioritySupport: level >= 3,
          ...(level === 5 ? { earlyAccess: true } : {}), // an unmapped benefit: kept in extra
        },
        color: this.rng.pick(['#cd7f32', '#c0c0c0', '#ffd700', '#e5e4e2']),
        icon: `level-${level}.svg`,
        isActive: true,
        createdAt: created,
        updatedAt: this.date(created),
      }, new Outcome());
    });
  }

  private configSettings(): void {
    const keys = [
      'scanner.confirmationThreshold', 'scanner.pollIntervalMs', 'walletMonitor.enabled', 'walletMonitor.minSweepUsd',
      'walletMonitor.pollIntervalMs', 'escrow.releaseDelayHours', 'escrow.autoReleaseDays', 'fees.platformPercent',
      'fees.minFeeUsd', 'points.referralReward', 'points.orderRewardPercent', 'dispute.autoEscalateHours',
      'notifications.retentionDays', 'telegram.botEnabled', 'telegram.sessionTtlHours', 'marketplace.maxOffersPerRequest',
    ];
    for (let i = keys.length; i < 30; i++) keys.push(`feature.flag${i}`);
    for (const key of keys) {
      const o = new Outcome();
      const created = this.date();
      const history = Array.from({ length: this.rng.int(0, 4) }, (_, i) => {
        const entry: Record<string, unknown> = {
          _id: this.id(),
          value: this.settingValue(),
          previousValue: this.settingValue(),
          changedAt: this.date(created, 30 * (i + 1)),
          reason: this.rng.chance(0.5) ? 'tuning' : null,
        };
        if (this.users.length > 0 && this.rng.chance(0.8)) entry.changedBy = this.ref(this.users, o, 'history changedBy user');
        return entry;
      });
      if (history.length > 0 && this.missing(o, 'history[].changedAt')) delete history[0]!.changedAt;
      const doc: Record<string, unknown> = {
        _id: this.id(), key, value: this.settingValue(), description: `Setting ${key}`, history,
        createdAt: created, updatedAt: this.date(created, 200),
      };
      if (this.users.length > 0 && this.rng.chance(0.7)) doc.updatedBy = this.ref(this.users, o, 'updatedBy user');
      this.add('configSettings', doc, o);
    }
  }

  private settingValue(): unknown {
    return this.rng.pick<() => unknown>([
      () => this.rng.int(1, 1000),
      () => Decimal128.fromString(this.amountText(0, 50)),
      () => this.rng.chance(0.5),
      () => `mode-${this.rng.int(1, 3)}`,
      () => ({ min: this.rng.int(1, 5), max: this.rng.int(6, 20) }),
    ])();
  }

  private blogPost(i: number): void {
    const o = new Outcome();
    const created = this.date();
    const status = this.enumValue(o, 'status', ['draft', 'published', 'published', 'archived'], ['Draft', 'Published'], 'scheduled');
    const published = status === 'published' || status === 'Published';
    const videos = Array.from({ length: this.rng.chance(0.4) ? this.rng.int(1, 3) : 0 }, () => ({
      url: `https://video.example/${this.rng.hex(6)}`,
      title: this.rng.chance(0.7) ? 'Escrow walkthrough' : null,
      provider: this.rng.chance(this.rates.legacyEnum) ? 'YouTube' : this.rng.pick(['youtube', 'vimeo', 'other']),
      thumbnailUrl: `https://img.example/${this.rng.hex(4)}.jpg`,
      durationSeconds: this.rng.int(30, 1800),
    }));
    const doc: Record<string, unknown> = {
      _id: this.id(),
      title: `How escrow protects you, part ${i + 1}`,
      slug: `how-escrow-protects-you-${i + 1}-${this.rng.hex(2)}`, // unique (blog_posts_slug_uq)
      excerpt: 'A short guide.',
      content: 'Long form content. '.repeat(this.rng.int(5, 50)),
      coverImage: `https://img.example/${this.rng.hex(4)}.png`,
      status,
      category: this.rng.pick(['guides', 'news', 'security']),
      tags: ['escrow', this.rng.pick(['crypto', 'shipping', 'disputes'])],
      language: this.rng.pick(['en', 'tr', 'ru']),
      viewCount: published ? this.rng.int(0, 50000) : 0,
      readingTime: this.rng.int(1, 15),
      isFeatured: this.rng.chance(0.2),
      videos,
      createdAt: created,
      updatedAt: this.date(created),
    };
    if (published) doc.publishedAt = this.date(created, 5);
    if (this.users.length > 0 && this.rng.chance(0.7)) doc.authorId = this.ref(this.users, o, 'author user');
    else doc.authorName = 'Guest Author';
    // Inserted around the pre-save hook (bulk import): no slug.
    if (this.missing(o, 'slug')) delete doc.slug;
    if (this.add('blogPosts', doc, o) === 'accepted') this.blogPosts.push(doc._id as ObjectId);
  }

  private tempVerification(): void {
    const o = new Outcome();
    const created = this.date();
    const purpose = this.enumValue(o, 'purpose', ['email', 'phone', 'password_reset'], ['sms'], 'two_factor');
    const byPhone = purpose === 'phone' || purpose === 'sms';
    const doc: Record<string, unknown> = {
      _id: this.id(),
      ...(byPhone ? { phone: `+90555${this.rng.int(1000000, 9999999)}` } : { email: `new${this.rng.hex(3)}@example.com` }),
      codeHash: this.rng.hex(32),
      purpose,
      attempts: this.rng.int(0, 5),
      verified: this.rng.chance(0.3),
      expiresAt: new Date(created.getTime() + 10 * MINUTE),
      createdAt: created,
    };
    if (this.missing(o, 'expiresAt')) delete doc.expiresAt;
    this.add('tempVerifications', doc, o);
  }

  // ------------------------------------------------------------------ chats and disputes

  private chat(): void {
    const o = new Outcome();
    const created = this.date();
    const prs = this.pool('purchaseRequests');
    // ~10% dispute chats, so disputes (≈ scale/50) find one each.
    const kind = this.rng.pick(prs.length > 0
      ? ['purchase_request', 'purchase_request', 'purchase_request', 'purchase_request', 'purchase_request', 'purchase_request', 'direct', 'direct', 'support', 'dispute']
      : ['direct', 'support']);
    const legacy: Record<string, string> = { purchase_request: 'order', direct: 'private' };
    const type = this.enumValue(o, 'chat type', [kind], legacy[kind] === undefined ? [] : [legacy[kind]], 'group');
    const users = Array.from({ length: kind === 'dispute' ? 3 : 2 }, () => this.rng.pick(this.users));
    const participants = users.map((u) => this.maybeHex(u, 0.1) as unknown);
    if (this.rng.chance(this.rates.danglingRef)) {
      participants.push(this.id());
      o.dangle('dangling participant user');
    }
    const long = this.rng.chance(this.rates.longArrays);
    const count = long ? this.rng.int(200, 600) : this.rng.int(0, 40);
    let at = created;
    const messages = Array.from({ length: count }, () => {
      at = new Date(at.getTime() + this.rng.int(1, 600) * MINUTE);
      return this.chatMessage(users, at);
    });
    if (messages.length > 0 && this.missing(o, 'messages[].createdAt')) delete this.rng.pick(messages).createdAt;
    const doc: Record<string, unknown> = {
      _id: this.id(),
      type,
      participants,
      messages,
      unreadCounts: users.filter(() => this.rng.chance(0.8)).map((userId) => ({ userId, count: this.rng.int(0, Math.min(count, 40)) })),
      isActive: this.rng.chance(0.9),
      createdAt: created,
      updatedAt: at,
    };
    if (messages.length > 0) doc.lastMessageAt = at;
    if (kind === 'support') doc.title = 'Support request';
    let purchaseRequestId: ObjectId | undefined;
    if (kind === 'purchase_request' || kind === 'dispute') {
      purchaseRequestId = this.ref(prs, o, 'purchaseRequest');
      doc.purchaseRequestId = purchaseRequestId;
      const offers = this.pool('sellerOffers');
      if (kind === 'purchase_request' && offers.length > 0 && this.rng.chance(0.5)) doc.sellerOfferId = this.rng.pick(offers);
    }
    if (this.missing(o, 'type')) delete doc.type;
    if (this.add('chats', doc, o) === 'accepted' && kind === 'dispute') {
      this.disputeChats.push({ id: doc._id as ObjectId, users, purchaseRequestId });
    }
  }

  private chatMessage(users: ObjectId[], at: Date): Record<string, unknown> {
    const system = this.rng.chance(0.05);
    const type = system ? 'system' : this.rng.pick(['text', 'text', 'text', 'text', 'image', 'file']);
    const legacy: Record<string, string> = { text: 'message', file: 'attachment' };
    const msg: Record<string, unknown> = { _id: this.id() };
    if (!system) msg.senderId = this.rng.pick(users);
    if (type !== 'image' || this.rng.chance(0.3)) msg.content = system ? 'Offer accepted' : `Message ${this.rng.hex(4)}`;
    if (this.rng.chance(0.9)) {
      // older messages have no messageType
      msg.messageType = legacy[type] !== undefined && this.rng.chance(this.rates.legacyEnum) ? legacy[type] : type;
    }
    if (type === 'image' || type === 'file') {
      msg.attachments = [{ url: `https://files.example/${this.rng.hex(6)}`, name: 'photo.jpg', size: this.rng.int(1000, 9_000_000) }];
    }
    if (this.rng.chance(0.05)) {
      msg.isEdited = true;
      msg.editedAt = new Date(at.getTime() + MINUTE);
    }
    if (!system && this.rng.chance(0.15)) {
      msg.reactions = Array.from({ length: this.rng.int(1, 3) }, () => ({
        userId: this.rng.pick(users), emoji: this.rng.pick(['👍', '❤️', '😂', '🙏']), createdAt: new Date(at.getTime() + 2 * MINUTE),
      }));
    }
    msg.createdAt = at;
    return msg;
  }

  private dispute(): void {
    const o = new Outcome();
    const chat = this.disputeChats.shift(); // each dispute chat serves one dispute
    const created = this.date();
    const hex = 0.2; // the old code handled these ids as strings
    const buyer = chat?.users[0] ?? this.rng.pick(this.users);
    const seller = chat?.users[1] ?? this.rng.pick(this.users);
    const status = this.enumValue(o, 'status',
      ['open', 'under_review', 'awaiting_response', 'escalated', 'resolved', 'closed', 'cancelled'], ['in_review', 'canceled'], 'reopened');
    const prId = chat?.purchaseRequestId ?? this.ref(this.pool('purchaseRequests'), o, 'purchaseRequest');
    const doc: Record<string, unknown> = {
      _id: this.id(),
      purchaseRequestId: this.maybeHex(prId, hex),
      raisedBy: this.maybeHex(buyer, hex),
      against: this.maybeHex(seller, hex),
      reason: this.enumValue(o, 'reason',
        ['item_not_received', 'item_not_as_described', 'damaged_item', 'wrong_item', 'seller_unresponsive', 'payment_issue', 'other'],
        ['not_received', 'not_as_described', 'damaged'], 'changed_mind'),
      description: 'The item did not arrive as agreed.',
      status,
      currency: this.rng.pick(['USDT', 'USDC', 'ETH']),
    };
    // CR-16: dispute created, chat created, setChatId not in one transaction: some have none.
    if (chat !== undefined) doc.chatId = this.maybeHex(chat.id, hex);
    if (this.rng.chance(0.8) && this.pool('payments').length > 0) doc.paymentId = this.maybeHex(this.ref(this.pool('payments'), o, 'payment'), hex);
    if (this.rng.chance(0.7)) doc.priority = this.rng.pick(['low', 'medium', 'high', 'urgent']);
    const amount = this.amountText(5, 5000);
    if (this.rng.chance(0.85)) doc.amount = this.money(amount);
    if (['resolved', 'closed'].includes(status)) {
      const outcome = this.enumValue(o, 'resolution outcome', ['refund_buyer', 'release_to_seller', 'partial_refund', 'no_action'], ['refund', 'release'], 'split');
      doc.resolution = {
        outcome,
        refundAmount: Decimal128.fromString(outcome.startsWith('release') || outcome === 'no_action' ? '0' : amount),
        notes: 'Decided on the evidence.',
        resolvedBy: this.maybeHex(this.rng.pick(this.users), hex),
        resolvedAt: this.date(created, 10),
      };
    }
    doc.evidence = Array.from({ length: this.rng.int(0, 4) }, () => {
      const type = this.rng.chance(this.rates.legacyEnum) ? this.rng.pick(['photo', 'file']) : this.rng.pick(['image', 'document', 'video', 'link', 'text']);
      return {
        _id: this.id(), type,
        ...(type === 'text' ? {} : { url: `https://files.example/${this.rng.hex(6)}` }),
        description: 'See attached', uploadedBy: this.maybeHex(buyer, hex), uploadedAt: this.date(created, 2),
      };
    });
    const long = this.rng.chance(this.rates.longArrays);
    let at = created;
    doc.timeline = Array.from({ length: long ? this.rng.int(100, 300) : this.rng.int(1, 6) }, (_, i) => {
      at = new Date(at.getTime() + this.rng.int(1, 600) * MINUTE);
      return {
        _id: this.id(), action: i === 0 ? 'created' : this.rng.pick(['status_changed', 'evidence_added', 'message', 'escalated']),
        status: this.rng.pick(['open', 'in_review', 'under_review']), // history keeps what was written (text)
        ...(this.rng.chance(0.8) ? { performedBy: this.maybeHex(this.rng.pick([buyer, seller]), hex) } : {}),
        note: this.rng.chance(0.3) ? 'auto' : null,
        timestamp: at,
      };
    });
    const messages: Array<Record<string, unknown>> = Array.from({ length: this.rng.int(0, 10) }, () => ({
      _id: this.id(), senderId: this.maybeHex(this.rng.pick([buyer, seller]), hex), message: 'Please check the tracking number.',
      isInternal: this.rng.chance(0.1), attachments: [], createdAt: this.date(created, 10),
    }));
    doc.messages = messages;
    doc.createdAt = created;
    doc.updatedAt = at;
    // One of the required fields missing: the order, the opener, or a message's sender.
    if (this.rng.chance(this.rates.nullAmount)) {
      const which = this.rng.pick(messages.length > 0 ? ['purchaseRequestId', 'raisedBy', 'messages[].senderId'] : ['purchaseRequestId', 'raisedBy']);
      o.reject(`missing ${which} (NOT NULL)`);
      if (which === 'messages[].senderId') delete messages[0]!.senderId;
      else delete doc[which];
    }
    this.add('disputes', doc, o);
  }

  // ------------------------------------------------------------------ per-user collections

  private notification(): void {
    const o = new Outcome();
    const created = this.date();
    const type = this.enumValue(o, 'type',
      ['offer_received', 'offer_accepted', 'offer_rejected', 'payment_received', 'payment_released', 'dispute_opened',
        'dispute_updated', 'dispute_resolved', 'message_received', 'order_status', 'points_earned', 'system'],
      ['new_offer', 'new_message'], 'promo');
    const read = this.rng.chance(0.6);
    const doc: Record<string, unknown> = {
      _id: this.id(),
      // The model declared userId a String: ObjectIds and hex texts both occur.
      userId: this.maybeHex(this.ref(this.users, o, 'user'), 0.3),
      type,
      title: 'You have an update',
      message: `Something happened (${type}).`,
      data: { purchaseRequestId: this.pool('purchaseRequests').length > 0 ? this.rng.pick(this.pool('purchaseRequests')) : null },
      link: '/orders',
      read,
      createdAt: created,
      updatedAt: created,
    };
    if (read) doc.readAt = this.date(created, 3);
    if (this.rng.chance(0.6)) doc.priority = this.rng.chance(this.rates.legacyEnum) ? 'medium' : this.rng.pick(['low', 'normal', 'high']);
    if (this.rng.chance(0.4)) doc.expiresAt = new Date(created.getTime() + 30 * DAY);
    if (this.missing(o, 'userId')) delete doc.userId;
    this.add('notifications', doc, o);
  }

  private addresses(n: number): void {
    const primary = new Set<string>(); // users with an accepted primary address (addresses_one_primary_uq)
    this.times(n, () => {
      const o = new Outcome();
      const created = this.date();
      const userId = this.ref(this.users, o, 'user');
      const doc: Record<string, unknown> = {
        _id: this.id(),
        userId,
        addressType: this.enumValue(o, 'addressType', ['shipping', 'billing', 'home', 'work', 'other'], ['Home', 'Work', 'delivery'], 'warehouse'),
        fullName: 'Ayşe Yılmaz',
        phone: this.rng.chance(0.7) ? `+90532${this.rng.int(1000000, 9999999)}` : null,
        street: `${this.rng.int(1, 200)} Bağdat Caddesi`,
        city: this.rng.pick(['Istanbul', 'Ankara', 'Izmir', 'Berlin']),
        state: this.rng.chance(0.5) ? 'Kadıköy' : null,
        postalCode: String(this.rng.int(10000, 99999)),
        country: this.rng.pick(['TR', 'DE']),
        createdAt: created,
        updatedAt: this.date(created),
      };
      if (this.rng.chance(0.8)) doc.isPrimary = this.rng.chance(0.5);
      if (this.missing(o, 'city')) delete doc.city;
      if (o.expect === 'accepted' && doc.isPrimary === true) {
        if (primary.has(userId.toHexString())) doc.isPrimary = false;
        else primary.add(userId.toHexString());
      }
      this.add('addresses', doc, o);
    });
  }

  private review(): void {
    const o = new Outcome();
    const created = this.date();
    const kinds: Array<[string, string[], ObjectId[]]> = [
      ['User', ['user', 'seller'], this.users],
      ['SellerOffer', ['offer'], this.pool('sellerOffers')],
      ['PurchaseRequest', [], this.pool('purchaseRequests')],
      ['BlogPost', [], this.blogPosts],
    ];
    const [kind, legacy, subjects] = this.rng.pick(kinds.filter(([, , pool]) => pool.length > 0));
    const subjectType = this.enumValue(o, 'subjectType', [kind], legacy, 'Category');
    // No FK on a polymorphic subject: a dangling one still lands (review_subjects gives NULL).
    const subjectId = this.rng.chance(this.rates.danglingRef) ? this.id() : this.rng.pick(subjects);
    const doc: Record<string, unknown> = {
      _id: this.id(),
      subjectType,
      subjectId,
      rating: this.rng.int(1, 5),
      title: this.rng.chance(0.5) ? 'Great experience' : null,
      comment: 'Fast and safe.',
      isPublished: this.rng.chance(0.7),
      createdAt: created,
      updatedAt: this.date(created),
    };
    if (this.rng.chance(0.8)) doc.reviewerId = this.ref(this.users, o, 'reviewer user');
    if (this.missing(o, 'rating')) delete doc.rating;
    this.add('reviews', doc, o);
  }

  private telegram(n: number): void {
    this.times(n, (i) => {
      const o = new Outcome();
      const created = this.date();
      const userId = this.ref(this.users, o, 'user');
      const state = this.rng.pick(['active', 'active', 'active', 'active', 'active', 'active', 'pending', 'pending', 'revoked', 'expired']);
      const legacy: Record<string, string> = { active: 'linked', revoked: 'unlinked' };
      const status = this.enumValue(o, 'status', [state], legacy[state] === undefined ? [] : [legacy[state]], 'blocked');
      const telegramUserId = 100_000_000 + i * 10_007 + this.rng.int(0, 10_000); // unique (telegram_links_telegram_user_id_uq)
      const doc: Record<string, unknown> = { _id: this.id(), userId, status, notificationsEnabled: this.rng.chance(0.8), createdAt: created };
      if (state === 'pending') {
        doc.linkCode = `${this.rng.hex(3)}${i.toString(36)}`; // unique (telegram_links_link_code_uq)
        doc.linkCodeExpiresAt = new Date(created.getTime() + 15 * MINUTE);
      } else {
        // Telegram ids: Int32/double, Int64, or a numeric string from older code; all exact.
        doc.telegramUserId = this.rng.pick<unknown>([telegramUserId, Long.fromNumber(telegramUserId), String(telegramUserId)]);
        doc.telegramUsername = `user_${this.rng.hex(3)}`;
        doc.firstName = 'Mehmet';
        doc.telegramChatId = telegramUserId;
        doc.linkedAt = this.date(created, 1);
      }
      doc.updatedAt = this.date(created);
      if (this.missing(o, 'userId')) delete doc.userId;
      if (this.add('telegramLinks', doc, o) === 'accepted' && state === 'active') {
        this.links.push({ id: doc._id as ObjectId, userId, telegramUserId, createdAt: created });
      }
    });
    for (const link of this.links) {
      if (!this.rng.chance(0.8)) continue;
      const o = new Outcome();
      const created = this.date(link.createdAt, 30);
      const doc: Record<string, unknown> = {
        _id: this.id(),
        userId: link.userId,
        telegramUserId: link.telegramUserId,
        tokenHash: this.rng.hex(32),
        context: { step: this.rng.pick(['idle', 'awaiting_code', 'browsing']) },
        isActive: this.rng.chance(0.9),
        lastActivityAt: this.date(created, 1),
        ipAddress: `10.0.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`,
        userAgent: 'TelegramBot',
        expiresAt: new Date(created.getTime() + 7 * DAY),
        createdAt: created,
        updatedAt: created,
      };
      if (this.rng.chance(0.9)) doc.telegramLinkId = this.ref([link.id], o, 'telegramLink');
      if (this.missing(o, 'expiresAt')) delete doc.expiresAt;
      this.add('telegramSessions', doc, o);
    }
  }

  private shopSettings(n: number): void {
    this.times(n, (i) => {
      const o = new Outcome();
      const created = this.date();
      const chains = [1, 10, 56, 137, 8453, 42161].filter(() => this.rng.chance(0.5));
      const allowedChains: unknown[] = chains.length > 0 ? chains : [137];
      if (this.rng.chance(this.invalidRate)) {
        allowedChains.push('137'); // the model declares [Number]; a string is not parsed
        o.reject('allowedChains element is a string, not an integer');
      }
      const doc: Record<string, unknown> = {
        _id: this.id(),
        userId: this.ref(this.users, o, 'seller user'),
        shopName: `Shop ${i + 1}`,
        slug: `shop-${i + 1}`,
        description: 'Trusted seller.',
        logoUrl: `https://img.example/${this.rng.hex(4)}.png`,
        themeColor: this.rng.pick(['#0a7', '#333', '#e44']),
        isActive: this.rng.chance(0.9),
        paymentConfig: {
          allowedChains,
          preferredCurrency: this.rng.pick(['USDT', 'USDC']),
          payoutAddress: `0x${this.rng.hex(20)}`,
        },
        socialLinks: {
          telegram: `https://t.me/shop${i + 1}`,
          ...(this.rng.chance(0.5) ? { twitter: `https://x.com/shop${i + 1}` } : {}),
          ...(this.rng.chance(0.3) ? { instagram: `https://instagram.com/shop${i + 1}` } : {}),
          ...(this.rng.chance(0.3) ? { website: `https://shop${i + 1}.example` } : {}),
          ...(this.rng.chance(0.1) ? { tiktok: `https://tiktok.com/@shop${i + 1}` } : {}), // unmapped: extra
        },
        createdAt: created,
        updatedAt: this.date(created),
      };
      if (this.missing(o, 'shopName')) delete doc.shopName;
      this.add('shopSettings', doc, o);
    });
  }
}
