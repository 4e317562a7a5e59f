import { describe, expect, it } from 'vitest';
import { correctTypo, editDistance, scaleDecimal, tokenize } from './normalize.ts';
import { buildVocabulary } from './vocabulary.ts';

const vocabulary = buildVocabulary();
const pieces = (text: string) =>
  tokenize(text, vocabulary).map((piece) => `${piece.kind}:${piece.value ?? piece.text}`);

describe('tokenize', () => {
  it('reads numbers, percentages, dollar values and multipliers', () => {
    expect(pieces('1,000 .5 1.5k 25% $100 $2.5m 30bps')).toEqual([
      'number:1000',
      'number:0.5',
      'number:1500',
      'percent:25',
      'usd:100',
      'usd:2500000',
      'number:30',
      'word:bps',
    ]);
  });

  it('splits a number glued to a token, and keeps words that start with digits', () => {
    expect(pieces('2eth 3pool 1inch')).toEqual(['number:2', 'word:eth', 'word:3pool', 'word:1inch']);
  });

  it('keeps addresses and ENS names as typed, and reads ids and $tickers', () => {
    const address = '0xAE1234567890abcdef1234567890AbCdEf012345';
    const read = tokenize(`to ${address} or Vitalik.eth, #42 $pepe`, vocabulary);
    expect(read.map((piece) => [piece.kind, piece.raw])).toEqual([
      ['word', 'to'],
      ['address', address],
      ['word', 'or'],
      ['ens', 'Vitalik.eth'],
      ['punct', ','],
      ['nftId', '#42'],
      ['ticker', '$pepe'],
    ]);
  });

  it('drops filler and corrects typos, leaving real words alone', () => {
    expect(pieces('pls tranfer thx')).toEqual(['word:transfer']);
    expect(pieces('sawp withdarw etherium arbitum')).toEqual([
      'word:swap',
      'word:withdraw',
      'word:ethereum',
      'word:arbitrum',
    ]);
    expect(pieces('spend state spending taking')).toEqual(['word:spend', 'word:state', 'word:spending', 'word:taking']);
  });

  it('reads arrows as one mark', () => {
    expect(pieces('eth -> usdc → dai')).toEqual(['word:eth', 'punct:->', 'word:usdc', 'punct:->', 'word:dai']);
  });
});

describe('helpers', () => {
  it('scales decimals without floating point', () => {
    expect(scaleDecimal('1.5', 3)).toBe('1500');
    expect(scaleDecimal('0.0001', 3)).toBe('0.1');
    expect(scaleDecimal('2', 6)).toBe('2000000');
  });

  it('measures edit distance with swaps of neighbours', () => {
    expect(editDistance('swap', 'sawp')).toBe(1);
    expect(editDistance('tranfer', 'transfer')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('leaves a word alone when two targets are equally close', () => {
    expect(correctTypo('zzzzzz', vocabulary)).toBe('zzzzzz');
    expect(correctTypo('borow', vocabulary)).toBe('borrow');
  });
});
