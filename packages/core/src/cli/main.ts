#!/usr/bin/env node
// The executable. Start-up is mostly compiling modules (grpc-js, protobuf-es, both protocol families'
// descriptors), so V8's on-disk compile cache is turned on before any of them load: a restarted process, or an
// image whose cache was filled at build time (NODE_COMPILE_CACHE), skips that work. Where the cache directory
// cannot be written Node carries on without it; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./program.js');
