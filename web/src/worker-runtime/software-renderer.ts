// Graphics stacks that rasterise on the CPU. WebGL on them is 10-20x slower than WASM SIMD
// for MobileNet (see MEASURED-HERE.md), so a worker must never pick them by accident.
const SOFTWARE_RENDERERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/softpipe/i, 'softpipe'],
  [/microsoft basic render/i, 'Microsoft Basic Render Driver'],
];
const GENERIC_SOFTWARE = /\bsoftware\b/i;

/**
 * The name of the software renderer a GPU renderer string (WebGL UNMASKED_RENDERER_WEBGL,
 * WebGPU adapter info) reveals, or null when it looks like real hardware.
 */
export function softwareRendererName(renderer: string): string | null {
  for (const [pattern, name] of SOFTWARE_RENDERERS) {
    if (pattern.test(renderer)) return name;
  }
  return GENERIC_SOFTWARE.test(renderer) ? renderer.trim() : null;
}
