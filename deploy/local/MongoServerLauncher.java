// Local, in-memory MongoDB-compatible server for the tidemark dev/test stack.
//
// Run by deploy/local/stack.sh with the single-file source launcher:
//   java -cp '<stack>/lib/mongo-java-server-<ver>/*' deploy/local/MongoServerLauncher.java [host] [port]
//
// Uses de.bwaldvogel:mongo-java-server (memory backend), reports MongoDB 5.0 with its
// real wire version 13 (the library's own MONGO_5_0 says 8, which the Node.js `mongodb`
// v7 driver refuses) and has an oplog so that change streams (collection.watch(),
// db.watch()) work. Data lives only in memory.
//
// Change events: mongo-java-server's own oplog (CollectionBackedOplog, 1.47.0) emits
// update events whose documentKey is the update spec ({$set: ...}) instead of {_id},
// has no `ns` and no `updateDescription`, reports replacements as 'update' with an
// empty fullDocument, ignores findAndModify (findOneAndUpdate/-Replace/-Delete) and
// delivers nothing to db.watch(). So by default this launcher installs ChangeEventOplog
// below, which emits events shaped like MongoDB 5.0's:
//   insert : _id, operationType, clusterTime, ns{db,coll}, documentKey{_id}, fullDocument
//   update : _id, operationType, clusterTime, ns, documentKey{_id},
//            updateDescription{updatedFields, removedFields, truncatedArrays:[]},
//            fullDocument (only with fullDocument:'updateLookup': current doc, or null if gone)
//   replace: _id, operationType, clusterTime, ns, documentKey{_id}, fullDocument
//   delete : _id, operationType, clusterTime, ns, documentKey{_id}
//   drop   : _id, operationType, clusterTime, ns  (+ 'invalidate' on a collection stream)
// resumeAfter / startAfter (exclusive) and startAtOperationTime (inclusive) work, and
// every change-stream batch carries a postBatchResumeToken shaped like a real server's
// ({_data: '82' + t + i ...}) so an idle stream's position advances.
// Known gaps vs. a real server: no sessions/transactions (so no lsid/txnNumber), no
// wallTime, no client.watch() (cluster-wide), no rename/dropDatabase events,
// updateDescription is derived from the update operators and the post-image
// ($set of an unchanged value is still reported; nested diffs are not split further).
// The oplog is capped (-Dtidemark.mongo.oplogMaxEntries, 300,000 entries, and
// -Dtidemark.mongo.oplogMaxMB, 512 MB estimated): a stream resuming
// before its oldest entry fails with ChangeStreamHistoryLost (286), as on a real server.
// -Dtidemark.mongo.changeEvents=upstream keeps mongo-java-server's own oplog instead.

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.oplog.Oplog;
import de.bwaldvogel.mongo.oplog.OplogCursor;
import de.bwaldvogel.mongo.oplog.OplogPosition;
import io.netty.channel.Channel;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

public class MongoServerLauncher {
    // mongo-java-server's own MONGO_5_0 reports wire version 8 (really 4.2's); the Node
    // driver 7 needs 9+. Report MongoDB 5.0's true wire version, 13.
    static final MongoVersion MONGO_5_0 = new MongoVersion() {
        public List<Integer> getVersionArray() { return List.of(5, 0, 0); }
        public int getWireVersion() { return 13; }
    };

    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = Integer.parseInt(args.length > 1 ? args[1] : "27017");
        boolean upstream = "upstream".equals(System.getProperty("tidemark.mongo.changeEvents"));

        MongoBackend backend = (upstream ? new MemoryBackend() : new ChangeEventBackend())
            .version(MONGO_5_0);
        MongoServer server = new MongoServer(backend);
        server.enableOplog();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("mongo-java-server: shutting down");
            server.shutdownNow();
            stopped.countDown();
        }, "shutdown"));

        // Many event loops: an idle change-stream getMore waits (see ChangeEventBackend.handleGetMore)
        // on its connection's loop, so connections should rarely share one.
        server.bind(new InetSocketAddress(host, port), 1, Integer.getInteger("tidemark.mongo.eventLoops", 64));
        // stack.sh waits for this line (and the port) as its readiness signal.
        System.err.println("mongo-java-server: listening on " + host + ":" + port
            + " (in-memory, oplog enabled, server version 5.0, change events: "
            + (upstream ? "upstream" : "mongodb-5.0-shaped") + ")");
        stopped.await();
    }
}

/** Memory backend whose oplog emits MongoDB-shaped change events, and which records findAndModify. */
class ChangeEventBackend extends MemoryBackend {
    @Override
    protected Oplog createOplog() {
        return new ChangeEventOplog(this, getCursorRegistry(), getClock());
    }

    /**
     * mongo-java-server changes a document before it appends the change's oplog entry, so a
     * read could see a write whose cluster time no change stream has reached yet: a verifier
     * that saw a document gone, then read the cluster time, could wait for a moment before the
     * delete and call the row still in PostgreSQL a difference. On a real server the write and
     * its oplog entry are one. Here writes hold this lock shared while they run, and a cluster
     * time given out (postBatchResumeToken) is read exclusively: after every write already
     * visible has its entry.
     */
    private final ReentrantReadWriteLock writesInFlight = new ReentrantReadWriteLock();
    private static final Set<String> WRITE_COMMANDS = Set.of("insert", "update", "delete", "findandmodify");

    private BsonTimestamp settledLatest() {
        writesInFlight.writeLock().lock();
        try {
            return ((ChangeEventOplog) oplog).latest();
        } finally {
            writesInFlight.writeLock().unlock();
        }
    }

    @Override
    public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
        boolean events = oplog instanceof ChangeEventOplog;
        boolean changeStream = events && command.equalsIgnoreCase("aggregate") && isChangeStream(query);
        BsonTimestamp latestBefore = changeStream ? settledLatest() : null;
        boolean write = events && WRITE_COMMANDS.contains(command.toLowerCase(java.util.Locale.ROOT));
        if (write) writesInFlight.readLock().lock();
        try {
            Document response = super.handleCommand(channel, databaseName, command, query);
            if (changeStream) addPostBatchResumeToken(response, "firstBatch", latestBefore);
            if (events && command.equalsIgnoreCase("findAndModify")) {
                ((ChangeEventOplog) oplog).afterFindAndModify(databaseName, query, response);
            }
            return response;
        } finally {
            if (write) writesInFlight.readLock().unlock();
        }
    }

    /**
     * mongo-java-server answers a change stream's getMore at once even when there is nothing new, so
     * an idle stream makes the driver spin (thousands of getMores per second). Like a real server
     * (awaitData, 1 s by default), wait for a new oplog entry, here at most
     * min(maxTimeMS, tidemark.mongo.maxAwaitMs = 250 ms): the wait blocks the connection's event loop.
     */
    @Override
    protected Document handleGetMore(String databaseName, String command, Document query) {
        if (!(oplog instanceof ChangeEventOplog) || !(query.get(command) instanceof Number)) {
            return super.handleGetMore(databaseName, command, query);
        }
        ChangeEventOplog changeEvents = (ChangeEventOplog) oplog;
        Cursor cursor;
        try {
            cursor = getCursorRegistry().getCursor(((Number) query.get(command)).longValue());
        } catch (RuntimeException e) {
            cursor = null;
        }
        long seen = changeEvents.version();
        BsonTimestamp latestBefore = settledLatest();
        Document response = super.handleGetMore(databaseName, command, query);
        if (!(cursor instanceof OplogCursor)) return response;
        if (isEmptyBatch(response)) {
            long await = MAX_AWAIT_MS;
            if (query.get("maxTimeMS") instanceof Number) await = Math.min(await, ((Number) query.get("maxTimeMS")).longValue());
            if (await > 0 && changeEvents.awaitChange(seen, await)) {
                latestBefore = settledLatest();
                response = super.handleGetMore(databaseName, command, query);
            }
        }
        addPostBatchResumeToken(response, "nextBatch", latestBefore);
        return response;
    }

    private static boolean isChangeStream(Document query) {
        Object pipeline = query.get("pipeline");
        return pipeline instanceof List && !((List<?>) pipeline).isEmpty()
            && ((List<?>) pipeline).get(0) instanceof Document
            && ((Document) ((List<?>) pipeline).get(0)).containsKey("$changeStream");
    }

    /**
     * Like a real server (4.0.7+), every change-stream batch carries a postBatchResumeToken: the
     * last event's token, or for an empty batch the newest oplog time read before the batch was
     * built (everything up to it has been delivered), so an idle stream's position still advances.
     */
    private static void addPostBatchResumeToken(Document response, String batchField, BsonTimestamp latestBefore) {
        if (!(response.get("cursor") instanceof Document)) return;
        Document cursor = (Document) response.get("cursor");
        Object batch = cursor.get(batchField);
        if (!(batch instanceof List)) return;
        List<?> events = (List<?>) batch;
        if (!events.isEmpty() && events.get(events.size() - 1) instanceof Document) {
            cursor.put("postBatchResumeToken", ((Document) events.get(events.size() - 1)).get("_id"));
        } else if (events.isEmpty() && latestBefore != null) {
            cursor.put("postBatchResumeToken", ChangeEventOplog.token(latestBefore));
        }
    }

    private static final long MAX_AWAIT_MS = Long.getLong("tidemark.mongo.maxAwaitMs", 250L);

    private static boolean isEmptyBatch(Document response) {
        Object c = response.get("cursor");
        if (!(c instanceof Document)) return false;
        Object batch = ((Document) c).get("nextBatch");
        return batch instanceof List && ((List<?>) batch).isEmpty();
    }
}

class ChangeEventOplog implements Oplog {
    private static final String ID = "_id";

    private final MongoBackend backend;
    private final CursorRegistry cursorRegistry;
    private final Clock clock;
    private final AtomicInteger increment = new AtomicInteger();
    /** ts value -> entry {ts, op, db, coll, id, doc, updateDescription}; guarded by this */
    private final NavigableMap<Long, Document> entries = new TreeMap<>();
    /**
     * The same entries by "db.coll" and by "db": a stream reads only its own namespace's entries.
     * A quiet collection's cursor only moves with its own events, so scanning the whole oplog
     * since its position on every wake-up made each write cost O(oplog) per open stream.
     * Concurrent maps so a cursor iterates lazily outside the lock.
     */
    private final Map<String, ConcurrentSkipListMap<Long, Document>> byNamespace = new ConcurrentHashMap<>();

    ChangeEventOplog(MongoBackend backend, CursorRegistry cursorRegistry, Clock clock) {
        this.backend = backend;
        this.cursorRegistry = cursorRegistry;
        this.clock = clock;
    }

    // ------------------------------------------------------------------ writes

    private synchronized void append(String op, String namespace, Object id, Document doc, Document updateDescription) {
        int dot = namespace.indexOf('.');
        String db = namespace.substring(0, dot);
        String coll = namespace.substring(dot + 1);
        if (db.equals("local") || db.equals("admin") || db.equals("config") || coll.startsWith("system.")) {
            return;
        }
        BsonTimestamp ts = new BsonTimestamp(clock.instant(), increment.incrementAndGet());
        Document entry = new Document("ts", ts).append("op", op).append("db", db).append("coll", coll);
        if (id != null) entry.append("id", cloneValue(id));
        if (doc != null) entry.append("doc", doc.cloneDeeply());
        if (updateDescription != null) entry.append("updateDescription", updateDescription);
        long size = estimateSize(entry);
        entry.append("size", size);
        entries.put(ts.getValue(), entry);
        for (String ns : namespacesOf(entry)) byNamespace.computeIfAbsent(ns, k -> new ConcurrentSkipListMap<>()).put(ts.getValue(), entry);
        bytes += size;
        // Capped like a real oplog (by entries and by estimated bytes): the oldest entries go,
        // and a stream still behind them gets ChangeStreamHistoryLost (events() below), never a
        // silent gap.
        while (entries.size() > MAX_ENTRIES || (bytes > MAX_BYTES && entries.size() > 1)) {
            Document trimmed = entries.pollFirstEntry().getValue();
            bytes -= (Long) trimmed.get("size");
            long at = ((BsonTimestamp) trimmed.get("ts")).getValue();
            for (String ns : namespacesOf(trimmed)) {
                trimmedThrough.put(ns, at);
                byNamespace.get(ns).remove(at);
            }
        }
        version++;
        notifyAll();
    }

    /** The namespaces an entry is read and trimmed under: its collection's ("db.coll", collection streams) and its database's ("db", db.watch()). */
    private static String[] namespacesOf(Document entry) {
        return new String[] {entry.get("db") + "." + entry.get("coll"), String.valueOf(entry.get("db"))};
    }

    /** tidemark.mongo.oplogMaxEntries / oplogMaxMB: entries and estimated bytes kept (a real oplog is capped by size). */
    private static final int MAX_ENTRIES = Integer.getInteger("tidemark.mongo.oplogMaxEntries", 300_000);
    private static final long MAX_BYTES = Long.getLong("tidemark.mongo.oplogMaxMB", 512L) * 1024 * 1024;
    private long bytes; // guarded by this: estimated size of the entries kept

    /** A rough in-memory size (a $push reports the whole array, so big updates are common). */
    private static long estimateSize(Object value) {
        if (value instanceof Document) {
            long n = 48;
            for (Map.Entry<String, Object> e : ((Document) value).entrySet()) n += 32 + 2L * e.getKey().length() + estimateSize(e.getValue());
            return n;
        }
        if (value instanceof List) {
            long n = 32;
            for (Object o : (List<?>) value) n += 8 + estimateSize(o);
            return n;
        }
        if (value instanceof String) return 40 + 2L * ((String) value).length();
        if (value instanceof byte[]) return 16 + ((byte[]) value).length;
        return 24;
    }
    /**
     * "db" and "db.coll" -> ts value of the newest entry of theirs trimmed away; guarded by this.
     * Per namespace because a cursor's position here moves only with the events it returns
     * (a real server's scan moves past other collections' entries too), so a quiet stream
     * must not lose its history to other collections' writes.
     */
    private final Map<String, Long> trimmedThrough = new java.util.HashMap<>();

    private long version; // guarded by this; bumped on every entry

    /** the newest oplog time; with an empty oplog, "now" as a new stream would start there */
    synchronized BsonTimestamp latest() {
        return entries.isEmpty() ? new BsonTimestamp(clock.instant(), increment.get()) : new BsonTimestamp(entries.lastKey());
    }

    /**
     * postBatchResumeTokens shaped like a real server's: {_data: hex KeyString} whose first value is
     * the cluster time (type byte 0x82, then t and i as big-endian uint32), so clients can date them.
     * position() accepts these and the library's own event tokens.
     */
    static Document token(BsonTimestamp ts) {
        return new Document("_data", String.format("82%08X%08X", ts.getTime(), ts.getInc()));
    }

    static OplogPosition position(Document token) {
        Object data = token.get("_data");
        if (data instanceof String && ((String) data).startsWith("82") && ((String) data).length() >= 18) {
            String hex = (String) data;
            long t = Long.parseLong(hex.substring(2, 10), 16);
            long i = Long.parseLong(hex.substring(10, 18), 16);
            return new OplogPosition(new BsonTimestamp((t << 32) | i));
        }
        return OplogPosition.fromDocument(token);
    }

    synchronized long version() {
        return version;
    }

    /** waits until an entry newer than version {@code seen} exists; true if one does */
    synchronized boolean awaitChange(long seen, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            while (version == seen) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) break;
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return version != seen;
    }

    @Override
    public void handleInsert(String namespace, List<Document> documents) {
        for (Document document : documents) {
            append("insert", namespace, document.get(ID), document, null);
        }
    }

    @Override
    public void handleUpdate(String namespace, Document selector, Document update, List<Object> modifiedIds) {
        boolean replacement = update.keySet().stream().noneMatch(k -> k.startsWith("$"));
        for (Object id : modifiedIds) {
            Document post = lookup(namespace, id);
            if (replacement) {
                append("replace", namespace, id, post, null);
            } else {
                append("update", namespace, id, null, updateDescription(update, post));
            }
        }
    }

    @Override
    public void handleDelete(String namespace, Document query, List<Object> deletedIds) {
        for (Object id : deletedIds) {
            append("delete", namespace, id, null, null);
        }
    }

    @Override
    public void handleDropCollection(String namespace) {
        append("drop", namespace, null, null, null);
    }

    /** findAndModify is not routed through the Oplog by mongo-java-server: derive the event from its response. */
    void afterFindAndModify(String db, Document query, Document response) {
        if (!isTrue(response.get("ok"))) return;
        String namespace = db + "." + query.values().iterator().next();
        Document value = response.get("value") instanceof Document ? (Document) response.get("value") : null;
        if (isTrue(query.get("remove"))) {
            if (value != null && value.containsKey(ID)) handleDelete(namespace, null, List.of(value.get(ID)));
            return;
        }
        if (!(query.get("update") instanceof Document)) return;
        Document update = (Document) query.get("update");
        Document lastError = (Document) response.get("lastErrorObject");
        if (lastError != null && isTrue(lastError.get("updatedExisting"))) {
            if (value != null && value.containsKey(ID)) handleUpdate(namespace, null, update, List.of(value.get(ID)));
            return;
        }
        if (!isTrue(query.get("upsert"))) return;
        // upsert inserted a document: find its _id (returned doc, the selector's _id, or the one doc matching the selector)
        Object id = value != null ? value.get(ID) : null;
        Document selector = query.get("query") instanceof Document ? (Document) query.get("query") : new Document();
        if (id == null && selector.containsKey(ID) && !isOperatorDocument(selector.get(ID))) id = selector.get(ID);
        if (id == null) {
            MongoCollection<?> collection = collection(namespace);
            if (collection != null) {
                List<Object> ids = new ArrayList<>();
                for (Document d : collection.handleQuery(selector)) ids.add(d.get(ID));
                if (ids.size() == 1) id = ids.get(0);
            }
        }
        Document doc = id == null ? null : lookup(namespace, id);
        if (doc != null) handleInsert(namespace, List.of(doc));
    }

    private static boolean isTrue(Object o) {
        return Boolean.TRUE.equals(o) || (o instanceof Number && ((Number) o).doubleValue() != 0);
    }

    private static boolean isOperatorDocument(Object o) {
        return o instanceof Document && ((Document) o).keySet().stream().anyMatch(k -> k.startsWith("$"));
    }

    private MongoCollection<?> collection(String namespace) {
        int dot = namespace.indexOf('.');
        MongoDatabase database = backend.resolveDatabase(namespace.substring(0, dot));
        return database.resolveCollection(namespace.substring(dot + 1), false);
    }

    private Document lookup(String namespace, Object id) {
        MongoCollection<?> collection = collection(namespace);
        if (collection == null) return null;
        Iterator<Document> it = collection.handleQuery(new Document(ID, id)).iterator();
        return it.hasNext() ? it.next() : null;
    }

    private static Document updateDescription(Document update, Document post) {
        Document updated = new Document();
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, Object> op : update.entrySet()) {
            if (!(op.getValue() instanceof Document)) continue;
            Document args = (Document) op.getValue();
            switch (op.getKey()) {
                case "$setOnInsert":
                    break;
                case "$unset":
                    removed.addAll(args.keySet());
                    break;
                case "$rename":
                    for (Map.Entry<String, Object> r : args.entrySet()) {
                        removed.add(r.getKey());
                        putPath(updated, post, String.valueOf(r.getValue()));
                    }
                    break;
                default: // $set $inc $mul $min $max $currentDate $push $addToSet $pop $pull $pullAll $bit
                    for (String path : args.keySet()) {
                        putPath(updated, post, stripPositional(path));
                    }
            }
        }
        return new Document("updatedFields", updated)
            .append("removedFields", removed)
            .append("truncatedArrays", new ArrayList<>());
    }

    /** "a.$.b" / "a.$[].b" / "a.$[x].b" -> "a" (report the whole array, as the server does for such updates) */
    private static String stripPositional(String path) {
        String[] parts = path.split("\\.");
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            if (p.startsWith("$")) break;
            if (sb.length() > 0) sb.append('.');
            sb.append(p);
        }
        return sb.toString();
    }

    private static void putPath(Document target, Document doc, String path) {
        if (doc == null || path.isEmpty()) return;
        Object current = doc;
        for (String part : path.split("\\.")) {
            if (current instanceof Document) {
                Document d = (Document) current;
                if (!d.containsKey(part)) return;
                current = d.get(part);
            } else if (current instanceof List && part.matches("\\d+")) {
                List<?> l = (List<?>) current;
                int i = Integer.parseInt(part);
                if (i >= l.size()) return;
                current = l.get(i);
            } else {
                return;
            }
        }
        target.put(path, cloneValue(current));
    }

    private static Object cloneValue(Object v) {
        if (v instanceof Document) return ((Document) v).cloneDeeply();
        if (v instanceof List) {
            List<Object> copy = new ArrayList<>();
            for (Object o : (List<?>) v) copy.add(cloneValue(o));
            return copy;
        }
        return v;
    }

    // ------------------------------------------------------------------- reads

    @Override
    public Cursor createCursor(Document changeStream, String namespace, Aggregation aggregation) {
        int dot = namespace.indexOf('.');
        String db = namespace.substring(0, dot);
        String coll = namespace.substring(dot + 1);
        String collFilter = coll.equals("1") ? null : coll; // db.watch() sends {aggregate: 1}
        boolean updateLookup = "updateLookup".equals(changeStream.get("fullDocument"));

        OplogPosition start;
        if (changeStream.get("startAfter") instanceof Document) {
            start = position((Document) changeStream.get("startAfter"));
        } else if (changeStream.get("resumeAfter") instanceof Document) {
            start = position((Document) changeStream.get("resumeAfter"));
        } else if (changeStream.get("startAtOperationTime") instanceof BsonTimestamp) {
            start = new OplogPosition((BsonTimestamp) changeStream.get("startAtOperationTime")).inclusive();
        } else {
            start = new OplogPosition(new BsonTimestamp(clock.instant(), increment.get()));
        }

        OplogCursor cursor = new OplogCursor(cursorRegistry.generateCursorId(),
            position -> aggregation.runStagesAsStream(events(position, db, collFilter, updateLookup)),
            start);
        cursorRegistry.add(cursor);
        return cursor;
    }

    /**
     * The change events after `position`, lazily: the cursor takes one batch (Stream.limit),
     * so a stream far behind costs a batch per getMore, not the whole oplog since its position.
     */
    private Stream<Document> events(OplogPosition position, String db, String collFilter, boolean updateLookup) {
        String namespace = collFilter == null ? db : db + "." + collFilter;
        long from = Long.parseUnsignedLong(position.toHexString(), 16);
        long upTo; // entries up to here were all put before we read it: a lazy read cannot skip one
        synchronized (this) {
            if (entries.isEmpty()) return Stream.empty();
            upTo = entries.lastKey();
            // Entries after `from` were trimmed: resuming here would skip them, as MongoDB refuses to.
            Long trimmed = trimmedThrough.get(namespace);
            if (trimmed != null && Long.compareUnsigned(from, trimmed) < 0) {
                throw new MongoServerError(286, "ChangeStreamHistoryLost",
                    "Resume of change stream was not possible, as the resume point may no longer be in the oplog.");
            }
        }
        ConcurrentSkipListMap<Long, Document> own = byNamespace.get(namespace);
        if (own == null || from > upTo) return Stream.empty();
        return own.subMap(from, true, upTo, true).values().stream()
            .filter(e -> new OplogPosition((BsonTimestamp) e.get("ts")).isAfter(position))
            .flatMap(e -> toEvents(e, db, collFilter, updateLookup).stream());
    }

    private List<Document> toEvents(Document e, String db, String collFilter, boolean updateLookup) {
        BsonTimestamp ts = (BsonTimestamp) e.get("ts");
        String op = (String) e.get("op");
        String coll = (String) e.get("coll");
        // Event tokens keep the library's format: its OplogCursor parses them to advance.
        Document token = new Document("_data", Long.toHexString(ts.getValue()));
        Document event = new Document(ID, token)
            .append("operationType", op)
            .append("clusterTime", ts)
            .append("ns", new Document("db", db).append("coll", coll));
        if (!op.equals("drop")) {
            event.append("documentKey", new Document(ID, cloneValue(e.get("id"))));
        }
        switch (op) {
            case "insert":
            case "replace":
                event.append("fullDocument", ((Document) e.get("doc")).cloneDeeply());
                break;
            case "update":
                event.append("updateDescription", ((Document) e.get("updateDescription")).cloneDeeply());
                if (updateLookup) {
                    Document current = lookup(db + "." + coll, e.get("id"));
                    event.append("fullDocument", current == null ? null : current.cloneDeeply());
                }
                break;
            default:
                break;
        }
        List<Document> events = new ArrayList<>();
        events.add(event);
        if (op.equals("drop") && collFilter != null) {
            events.add(new Document(ID, token).append("operationType", "invalidate").append("clusterTime", ts));
        }
        return events;
    }
}
