import { describe, expect, it } from 'vitest';
import { formatQuarantineLine, formatRouteLine } from './route-log.ts';

const at = new Date('2026-12-06T10:00:00.000Z');

describe('the router log lines', () => {
  it('writes every field in a fixed order, - for what does not apply, and quotes only what needs it', () => {
    expect(
      formatRouteLine(
        {
          request: `0x${'ab'.repeat(32)}`,
          provider: 'local',
          model: 'qwen2.5:7b-instruct',
          status: 'served',
          attempts: 2,
          ttftMs: 41.6,
          durationMs: 310.2,
          tokens: 21,
          claimed: undefined,
          receipt: 'none',
          reason: undefined,
        },
        at,
      ),
    ).toBe(
      `route at=2026-12-06T10:00:00.000Z request=0x${'ab'.repeat(32)} provider=local model=qwen2.5:7b-instruct status=served attempts=2 ttft_ms=42 duration_ms=310 tokens=21 claimed=- receipt=none`,
    );
    expect(
      formatRouteLine(
        {
          request: undefined,
          provider: undefined,
          model: 'my model',
          status: 'failed',
          attempts: 0,
          ttftMs: undefined,
          durationMs: undefined,
          tokens: undefined,
          claimed: undefined,
          receipt: 'none',
          reason: 'no upstream could serve "my model"',
        },
        at,
      ),
    ).toBe(
      'route at=2026-12-06T10:00:00.000Z request=- provider=none model="my model" status=failed attempts=0 ttft_ms=- duration_ms=- tokens=- claimed=- receipt=none reason="no upstream could serve \\"my model\\""',
    );
  });

  it('writes a quarantine line', () => {
    expect(
      formatQuarantineLine(
        { provider: '0xAb', status: 'started', rejections: 3, until: '2026-12-06T10:15:00.000Z', reason: 'inflated' },
        at,
      ),
    ).toBe(
      'quarantine at=2026-12-06T10:00:00.000Z provider=0xAb status=started rejections=3 until=2026-12-06T10:15:00.000Z reason=inflated',
    );
  });
});
