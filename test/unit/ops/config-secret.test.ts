import { describe, expect, it } from 'vitest';
import { defaultsYaml, loadConfig, redactConfig } from '../../../src/ops/config.js';

describe('the status page token is a secret', () => {
  it('comes from TIDEMARK_STATUS_TOKEN, is unset by default, and is never printed', () => {
    expect(loadConfig({ env: {} }).status.token).toBeUndefined();
    const config = loadConfig({ env: { TIDEMARK_STATUS_TOKEN: 'tok-123' } });
    expect(config.status.token).toBe('tok-123');
    expect(JSON.stringify(redactConfig(config))).not.toContain('tok-123');
    expect(redactConfig(config).status.token).toBe('[redacted]');
    expect(defaultsYaml()).toContain('# token: <unset>');
  });

});
