export { M4_VERSION } from '../compiler/version.ts';
