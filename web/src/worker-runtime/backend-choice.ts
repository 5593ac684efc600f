import * as tf from '@tensorflow/tfjs';
import { HALF_FLOAT_BACKEND, type KnownBackend, type Precision } from '../../../master/protocol.ts';
import { errorMessage } from '../lib/errors.ts';
import { softwareRendererName } from './software-renderer.ts';
import { useWasmBackend } from './wasm-backend.ts';

export type BackendName = KnownBackend;

export interface BackendChoice {
  backend: BackendName;
  /** Why, for people: "WebGL renderer is SwiftShader (software): using WASM (SIMD, 1 thread)". */
  reason: string;
  /** The floats it keeps tensors in, sent with every answer: it decides how close a call the master may trust. */
  precision: Precision;
}

/** A verdict on one candidate: usable, or skipped with a note saying why. */
type Probe = { ok: true; detail: string } | { ok: false; note: string };

/**
 * Picks the fastest honest backend: WebGPU or WebGL only on real GPU hardware, else WASM.
 * Software GPUs are rejected on purpose: they are far slower than WASM SIMD.
 * A backend asked for by name (?backend=, for measuring how backends disagree) is used if it starts at all.
 */
export async function chooseBackend(asked: BackendName | null = null): Promise<BackendChoice> {
  if (asked !== null) {
    const forced = await forceBackend(asked);
    if (forced.ok) return { backend: asked, reason: `${forced.detail}: using ${asked}, as the page address asks`, precision: precisionOf(asked) };
    return withNote(await chooseBackend(), `${asked} was asked for but ${forced.note}`);
  }
  const skipped: string[] = [];
  const because = () => (skipped.length > 0 ? `${skipped.join('; ')}: ` : '');

  const webgpu = await probeWebGpu();
  if (webgpu.ok) return { backend: 'webgpu', reason: `${webgpu.detail}: using WebGPU`, precision: precisionOf('webgpu') };
  skipped.push(webgpu.note);

  const webgl = await probeWebGl();
  if (webgl.ok) return { backend: 'webgl', reason: `${because()}${webgl.detail}: using WebGL`, precision: precisionOf('webgl') };
  skipped.push(webgl.note);

  const wasmDetail = await useWasmBackend();
  return { backend: 'wasm', reason: `${because()}using WASM (${wasmDetail})`, precision: precisionOf('wasm') };
}

async function forceBackend(name: BackendName): Promise<Probe> {
  try {
    if (name === 'wasm') return { ok: true, detail: `WASM (${await useWasmBackend()})` };
    if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
    if (await tf.setBackend(name)) return { ok: true, detail: name === 'webgl' ? `WebGL renderer ${webGlRenderer() ?? 'unknown'}, ${webGlTextures()}` : name };
    return { ok: false, note: 'it failed to initialise' };
  } catch (error) {
    return { ok: false, note: `it failed (${errorMessage(error)})` };
  }
}

const withNote = (choice: BackendChoice, note: string): BackendChoice => ({ ...choice, reason: `${note}; ${choice.reason}` });

// WebGPU is not in TypeScript's DOM library (and @webgpu/types, pulled in by the tfjs backend,
// predates adapter.info); this is the little of it we touch.
interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<{ info?: AdapterInfoLike } | null>;
}

async function probeWebGpu(): Promise<Probe> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return { ok: false, note: 'no WebGPU in this browser' };
  let info: AdapterInfoLike | undefined;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { ok: false, note: 'no WebGPU adapter' };
    info = adapter.info;
  } catch (error) {
    return { ok: false, note: `WebGPU adapter request failed (${errorMessage(error)})` };
  }
  const described = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ');
  if (info?.isFallbackAdapter) return { ok: false, note: 'WebGPU adapter is a software fallback' };
  const software = softwareRendererName(described);
  if (software) return { ok: false, note: `WebGPU adapter is ${software} (software)` };

  try {
    await import('@tensorflow/tfjs-backend-webgpu'); // registers the backend; large, so only loaded here
    if (await tf.setBackend('webgpu')) return { ok: true, detail: `WebGPU adapter ${described || 'found'}` };
    return { ok: false, note: 'tfjs WebGPU backend failed to initialise' };
  } catch (error) {
    return { ok: false, note: `tfjs WebGPU backend failed (${errorMessage(error)})` };
  }
}

async function probeWebGl(): Promise<Probe> {
  const renderer = webGlRenderer();
  if (renderer === null) return { ok: false, note: 'no WebGL context' };
  const software = softwareRendererName(renderer);
  if (software) return { ok: false, note: `WebGL renderer is ${software} (software)` };
  try {
    if (await tf.setBackend('webgl')) return { ok: true, detail: `WebGL renderer ${renderer}, ${webGlTextures()}` };
    return { ok: false, note: 'tfjs WebGL backend failed to initialise' };
  } catch (error) {
    return { ok: false, note: `tfjs WebGL backend failed (${errorMessage(error)})` };
  }
}

/**
 * How a backend keeps tensors. WebGL: in float32 textures where the GPU can render to them, else in half floats,
 * which round every layer's output to about three decimal digits (so borderline images may flip against fp32
 * backends). TF.js's WebGPU, WASM and CPU backends have no half-float path.
 */
function precisionOf(backend: BackendName): Precision {
  return backend === HALF_FLOAT_BACKEND && !tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') ? 'fp16' : 'fp32';
}

const webGlTextures = (): string => (precisionOf('webgl') === 'fp16' ? 'float16 textures' : 'float32 textures');

/** The GPU behind WebGL, unmasked where the browser allows it; null without WebGL. */
function webGlRenderer(): string | null {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (!gl) return null;
  try {
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext(); // free the probe's context right away
  }
}
