// `wscore/codec`: the wasm-bindgen declarations of the whole module (Connection and friends).
export * from './dist/full/wscore_wasm.js';
