// `wscore/codec` in browsers: the whole module (the sans-IO Connection too).
import init from './dist/full/wscore_wasm.js';

await init({ module_or_path: new URL('./dist/full/wscore_wasm_bg.wasm', import.meta.url) });

export * from './dist/full/wscore_wasm.js';
