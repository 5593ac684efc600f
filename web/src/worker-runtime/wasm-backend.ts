import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// Served by the master from web/dist like any other asset: no CDN.
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** tfjs gives XNNPACK half the logical cores: from 4 on, more than one thread. */
const MIN_CORES_FOR_THREADS = 4;

/** Initialises the WASM backend and describes the build it picked, e.g. "SIMD, 1 thread". */
export async function useWasmBackend(): Promise<string> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': plainWasm,
    'tfjs-backend-wasm-simd.wasm': simdWasm,
    'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdWasm,
  });
  // Threads need SharedArrayBuffer, which browsers only grant to cross-origin-isolated pages, and pay only from
  // MIN_CORES_FOR_THREADS: below it the threaded build runs one thread and still starts its pool of 8 Web Workers.
  if (!crossOriginIsolated || !(navigator.hardwareConcurrency >= MIN_CORES_FOR_THREADS)) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('the WASM backend failed to initialise');
  await tf.ready();

  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = getThreadsCount();
  const notes = [simd ? 'SIMD' : 'no SIMD', threads === 1 ? '1 thread' : `${threads} threads`];
  if (!crossOriginIsolated) notes.push('page is not cross-origin isolated');
  return notes.join(', ');
}
