import { describe, expect, it } from 'vitest';
import { commands } from './cli.ts';

describe("the CLI's table of commands", () => {
  it('loads, for each name it lists, the command of that name, with a help of its own', async () => {
    const names = commands.map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of commands) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(entry.summary.length).toBeGreaterThan(10);
      expect(command.help).toMatch(new RegExp(`sextant ${entry.name}\\b`));
    }
  });
});
