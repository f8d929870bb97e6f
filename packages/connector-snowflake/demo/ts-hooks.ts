// Lets Node run the TypeScript test backend in place: a relative `./x.js` import from a .ts module resolves to
// `./x.ts` when only the .ts file exists (tsc's NodeNext convention). Preloaded by the demo and bench scripts with
// `--import ./demo/ts-hooks.ts`, together with `--experimental-transform-types` (the backend uses parameter
// properties, which plain type stripping does not accept).
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL;
    if (
      parent?.startsWith('file:') === true &&
      parent.endsWith('.ts') &&
      (specifier.startsWith('./') || specifier.startsWith('../')) &&
      specifier.endsWith('.js')
    ) {
      const candidate = new URL(specifier.replace(/\.js$/, '.ts'), parent);
      const original = new URL(specifier, parent);
      if (!existsSync(fileURLToPath(original)) && existsSync(fileURLToPath(candidate))) {
        return nextResolve(candidate.href, context);
      }
    }
    return nextResolve(specifier, context);
  },
});
