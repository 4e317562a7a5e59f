import { describe, expect, it } from 'vitest';
import { readClaimSchedule } from './claim-schedule.ts';

describe('a claim of rewards that repeats or waits for an epoch', () => {
  it.each([
    ['claim my rewards when an epoch settles', 30, false],
    ['claim my rewards every time an epoch settles', 30, false],
    ['auto-claim my rewards', 30, false],
    ['automatically claim my emission rewards each epoch', 30, false],
    ['claim my rewards every day for 2 weeks', 14, true],
    ['whenever rewards are distributed, claim them', 30, false],
    ['claim my SXT each epoch', 30, false],
    ['can you please claim all of my rewards at the end of each epoch for twenty one days?', 21, false],
    ['harvest my rewards weekly for a week', 7, true],
  ])('"%s"', (message, days, onClock) => {
    expect(readClaimSchedule(message)).toMatchObject({ kind: 'sextant', days, onClock, rest: '' });
  });

  it('leaves a plain claim, a claim of one past epoch and other repetitions to the parser', () => {
    for (const message of [
      'claim my rewards',
      'claim my rewards now',
      'claim my SXT',
      'claim my rewards from epoch 3',
      'collect them every day',
      'swap 50 USDC into ETH every day for 30 days',
    ]) {
      expect(readClaimSchedule(message), message).toEqual({ kind: 'none' });
    }
  });

  it('keeps whatever else the message asks, so that it is asked about', () => {
    expect(readClaimSchedule('auto-claim my rewards every epoch and send 50 USDC to bob')).toMatchObject({
      kind: 'sextant',
      rest: 'send 50 USDC to bob',
    });
    expect(readClaimSchedule('send 5 USDC to bob, then claim my rewards each epoch')).toMatchObject({
      kind: 'sextant',
      rest: 'send 5 USDC to bob',
    });
  });

  it('names the protocol when the rewards are not Sextant’s', () => {
    expect(readClaimSchedule('claim my aave rewards every week')).toEqual({ kind: 'elsewhere', named: 'aave' });
    expect(readClaimSchedule('claim my rewards on compound each epoch')).toEqual({
      kind: 'elsewhere',
      named: 'compound',
    });
  });

  it('asks for a span of 1 to 31 days', () => {
    for (const message of [
      'claim my rewards each epoch for 60 days',
      'claim my rewards each epoch for 0 days',
      'auto-claim my rewards for 2 months',
      'auto-claim my rewards forever',
      'claim my rewards each epoch until June',
    ]) {
      const reading = readClaimSchedule(message);
      expect(reading.kind, message).toBe('unclear');
      expect(reading.kind === 'unclear' && reading.question, message).toMatch(/1 to 31/);
    }
    expect(readClaimSchedule('auto-claim my rewards for 31 days')).toMatchObject({ kind: 'sextant', days: 31 });
    expect(readClaimSchedule('auto-claim my rewards for a day')).toMatchObject({ kind: 'sextant', days: 1 });
  });
});
