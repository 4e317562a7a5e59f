/**
 * Everyday words that typo correction must leave alone (they sit one letter from a known word:
 * "spend"/"send", "state"/"stake", "prize"/"price") and that are never a token's or a person's
 * name ("send 5 to bob": "to" is not a ticker).
 */
export const COMMON_WORDS: readonly string[] = `
a an the to for from into in on onto of with without using via through by at as per about around approx
approximately roughly exactly precisely specifically just only also too so very really then than
my me mine myself i i'm im i'd id i'll ill i've ive we us our ours you your yours he him his she her hers
it it's its they them their this that these those there here what what's whats which who whom whose where
when why how that's there's here's let's lets let who's
is are was were be been being am do does did done doing have has had having get got getting
can could would will should shall may might must want wanna need needs like love would've
make made use used using help try put keep hold own owned holding
some any all each every more less most least much many few lot lots couple several other another
now today tomorrow tonight later soon right away back out up down over off again once twice
yes no not none nothing something anything everything
ok okay sure cool nice great good best fine safe safely fast slow quick
and or but if else because since while until unless though although
worth value amount amounts balance balances wallet wallets account accounts address addresses
position positions loan loans debt debts pool pools market markets vault vaults yield interest rate
rates reward rewards fee fees gas tx txn transaction transactions token tokens coin coins
stable variable fixed health factor collateral leverage apy apr
spend spent sent sending state stage stale prize pride share shares store stack stock sale sold
there these those where while which whole wrap wraps word words world spare stare stark steak
earn earned earning make money cash funds fund fundings funding project payment payments investment
expenses expense purchase purchases purpose purposes testing test tests bills bill rent
time times day days week weeks month months year years hour hours minute minutes min mins sec secs
wait waiting ready done finish finished start started stop
new old first second last next previous current available remaining total native
friend friends brother sister mom mum dad wife husband son daughter buddy colleague partner boss
please thanks
one two three four five six seven eight nine ten hundred thousand million billion half quarter
ethereum network networks chain chains mainnet testnet l2 rollup bridge
either hardest linear lines lined liner linen makes marker prime prince prick regards reply replay relay
shell smell trace tirade calculating concert convey covert convent curse carve transform shake snake
stake stave stoke slake liquidate racket bride burrow shark spank spars stroll supple tonal peddle
`
  .split(/\s+/)
  .filter(Boolean);

/** The same words, as a set to look them up in. */
export const EVERYDAY_WORDS: ReadonlySet<string> = new Set(COMMON_WORDS);
