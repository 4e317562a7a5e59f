export { wethUnwrap } from './unwrap.ts';
export { wethWrap } from './wrap.ts';
