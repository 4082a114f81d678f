// Lets tests start real OS processes straight from the TypeScript sources:
//   node --import ./test/ts-loader.mjs some/entry.ts
// Resolves `./x.js` to `./x.ts` when only the .ts exists, maps `libprocess-ts`
// to its sources, and strips types with swc (the same transform jest uses).
import { register } from 'node:module';

register('./ts-loader-hooks.mjs', import.meta.url);
