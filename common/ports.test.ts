import { afterEach, describe, expect, it, vi } from 'vitest';
import { findFreePort } from './ports.ts';

describe('findFreePort', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('never gives two calls running at the same time the same port, even when both draw it first', async () => {
    const draws = [0.5, 0.5, 0.25, 0.75];
    const random = Math.random;
    vi.spyOn(Math, 'random').mockImplementation(() => draws.shift() ?? random());
    const [first, second] = await Promise.all([findFreePort(), findFreePort()]);
    expect(first).not.toBe(second);
  });

  it('hands out ports below the ephemeral range, each once', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => findFreePort()));
    expect(new Set(ports).size).toBe(20);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThanOrEqual(32_767);
    }
  });
});
