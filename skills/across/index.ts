export { acrossBridge } from './bridge.ts';
