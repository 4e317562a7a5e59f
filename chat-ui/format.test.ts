import { describe, expect, it } from 'vitest';
import {
  direction,
  formatAmount,
  formatBps,
  formatRemaining,
  formatUsd,
  formatWei,
  roundAmountsInText,
  shortHex,
} from './public/js/format.js';
import { createSseParser, readEventStream } from './public/js/sse.js';

const MINUS = '\u2212';

describe('formatAmount', () => {
  it('adds separators and a sign, and keeps about 6 significant digits', () => {
    expect(formatAmount('-100')).toBe(`${MINUS}100`);
    expect(formatAmount('100', { signed: true })).toBe('+100');
    expect(formatAmount('1234567.4')).toBe('1,234,567');
    expect(formatAmount('-14987.312345678', { signed: true })).toBe(`${MINUS}14,987.3`);
    expect(formatAmount('5.011358828335193453')).toBe('5.01136');
    expect(formatAmount('0.032900123456789012', { signed: true })).toBe('+0.0329001');
    expect(formatAmount('0.000000000001234567891')).toBe('0.00000000000123457');
    expect(formatAmount('1.000000')).toBe('1');
  });

  it('rounds on the digits, carrying into the whole part, without float error', () => {
    expect(formatAmount('0.9999999')).toBe('1');
    expect(formatAmount('9.9999995')).toBe('10');
    // The whole part is never cut, only rounded at the units.
    expect(formatAmount('123456789012345678.523456789')).toBe('123,456,789,012,345,679');
  });

  it('shows zero without a sign, and anything unreadable as it came', () => {
    expect(formatAmount('-0', { signed: true })).toBe('0');
    expect(formatAmount('0.0000000', { signed: true })).toBe('0');
    expect(formatAmount('all')).toBe('all');
    expect(formatAmount('1e18')).toBe('1e18');
  });

  it('rounds toward the side a sentence promises', () => {
    expect(formatAmount('2.9999999', { round: 'down' })).toBe('2.99999');
    expect(formatAmount('2.0000001', { round: 'up' })).toBe('2.00001');
    expect(formatAmount('-2.0000001', { round: 'up' })).toBe(`${MINUS}2`);
    expect(formatAmount('2.00000', { round: 'up' })).toBe('2');
  });

  it('rounds the amounts in a step summary, not its addresses or versions', () => {
    expect(roundAmountsInText('Swap 4.994681071997129648 ETH for at least 14864.59999 USDC on Uniswap V3')).toBe(
      'Swap 4.99468 ETH for at least 14864.5 USDC on Uniswap V3',
    );
    expect(roundAmountsInText('Repay all DAI (500.0123456 DAI now), offering at most 500.5000001 DAI')).toBe(
      'Repay all DAI (500.012 DAI now), offering at most 500.501 DAI',
    );
    const send = 'Send 1.5 USDC to 0x000000000000000000000000000000000000dEaD with skill@1.0.0';
    expect(roundAmountsInText(send)).toBe(send);
    expect(roundAmountsInText('Wrap 12345678.123 ETH')).toBe('Wrap 12345678 ETH');
  });

  it('tells in from out', () => {
    expect(direction('-1')).toBe('out');
    expect(direction('0.5')).toBe('in');
    expect(direction('-0.000')).toBe('zero');
  });
});

describe('the other formats', () => {
  it('formats USD values, dust and missing prices', () => {
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(-100, { signed: true })).toBe(`${MINUS}$100.00`);
    expect(formatUsd(98.7, { signed: true })).toBe('+$98.70');
    expect(formatUsd(0.001)).toBe('<$0.01');
    expect(formatUsd(null)).toBe('\u2014');
    expect(formatUsd(undefined)).toBe('\u2014');
  });

  it('shortens hashes, converts wei, and counts down', () => {
    expect(shortHex('0x4E83362442B8d1beC281594cEa3050c8EB01311C')).toBe('0x4E83\u2026311C');
    expect(shortHex('0x1234')).toBe('0x1234');
    expect(formatWei('411930000000000')).toBe('0.00041193');
    expect(formatWei('1500000000000000000')).toBe('1.5');
    expect(formatBps(100)).toBe('1%');
    expect(formatBps(35)).toBe('0.35%');
    expect(formatRemaining(245_000)).toBe('4:05');
    expect(formatRemaining(-5)).toBe('0:00');
  });
});

describe('the server-sent events parser', () => {
  it('parses events split anywhere across chunks, with CRLF, comments and multi-line data', () => {
    const events: { event: string; data: string }[] = [];
    const parser = createSseParser((event) => events.push(event));
    const stream =
      ': keep-alive\r\nevent: status\r\ndata: {"stage":"parsing"}\r\n\r\nevent: text\ndata: {"delta":"Hel\ndata: lo"}\n\ndata: plain\n\n';
    for (let i = 0; i < stream.length; i += 3) parser.push(stream.slice(i, i + 3));
    parser.end();
    expect(events).toEqual([
      { event: 'status', data: '{"stage":"parsing"}' },
      { event: 'text', data: '{"delta":"Hel\nlo"}' },
      { event: 'message', data: 'plain' },
    ]);
  });

  it('delivers a last event that has no closing blank line', () => {
    const events: string[] = [];
    const parser = createSseParser((event) => events.push(event.event));
    parser.push('event: done\ndata: {}');
    parser.end();
    expect(events).toEqual(['done']);
  });

  it('reads a fetch response body as JSON events', async () => {
    const encoder = new TextEncoder();
    const bytes = encoder.encode('event: text\ndata: {"delta":"é"}\n\nevent: done\ndata: {"kind":"answer"}\n\n');
    // Cut inside the two bytes of "é": the decoder must hold the first until the second arrives.
    const cut = bytes.indexOf(0xc3) + 1;
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
        controller.close();
      },
    });
    const seen: [string, unknown][] = [];
    await readEventStream(new Response(body), (name, data) => seen.push([name, data]));
    expect(seen).toEqual([
      ['text', { delta: 'é' }],
      ['done', { kind: 'answer' }],
    ]);
  });
});
