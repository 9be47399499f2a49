// `wscore/codec`: the wasm-bindgen declarations of the whole module (Connection and friends).
// wasm-bindgen declares `[Symbol.dispose]()`: ES2022 libs alone lack it.
/// <reference lib="esnext.disposable" />
export * from './dist/full/wscore_wasm.js';
