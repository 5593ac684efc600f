import { describe, expect, it } from 'vitest';
import { softwareRendererName } from '../src/worker-runtime/software-renderer.ts';

describe('softwareRendererName', () => {
  it.each([
    ['ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)', 'SwiftShader'],
    ['Google SwiftShader', 'SwiftShader'],
    ['ANGLE (Mesa, llvmpipe (LLVM 15.0.7, 256 bits), OpenGL 4.5)', 'llvmpipe'],
    ['softpipe', 'softpipe'],
    ['ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)', 'Microsoft Basic Render Driver'],
    ['Apple Software Renderer', 'Apple Software Renderer'],
  ])('names the software renderer in %s', (renderer, name) => {
    expect(softwareRendererName(renderer)).toBe(name);
  });

  it.each([
    'ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)',
    'ANGLE (Intel, Mesa Intel(R) Xe Graphics (TGL GT2), OpenGL 4.6)',
    'Apple M1',
    'ANGLE (AMD, AMD Radeon Pro 5500M OpenGL Engine, OpenGL 4.1)',
    'Adreno (TM) 640',
    'nvidia ampere',
  ])('accepts hardware renderer %s', (renderer) => {
    expect(softwareRendererName(renderer)).toBeNull();
  });
});
