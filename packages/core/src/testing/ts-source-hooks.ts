// Entry for `node --import @org/connector-core/testing/ts-source-hooks`: registering the hook at import is the
// purpose of this module. It lets a demo or benchmark script run a package's TypeScript test backends in place
// (with Node's type stripping): a relative `./x.js` import from a `.ts` module resolves to `./x.ts` when only the
// `.ts` file exists — tsc's NodeNext convention, which Node itself does not apply.
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
