// Test images made here (no network, no model): dark background with bright disks, and the
// matching label image, as the segmentation would return it.
import sharp from 'sharp';

export interface Disk {
  x: number;
  y: number;
  r: number;
}

export interface SyntheticCase {
  width: number;
  height: number;
  rgb: Uint8Array;
  labels: Int32Array;
  areas: number[];
  disks: Disk[];
  background: [number, number, number];
  nucleus: [number, number, number];
}

export function makeSyntheticCase(width = 256, height = 192): SyntheticCase {
  const disks: Disk[] = [
    { x: 40, y: 40, r: 18 },
    { x: 110, y: 50, r: 22 },
    { x: 190, y: 40, r: 15 },
    { x: 60, y: 130, r: 25 },
    { x: 150, y: 140, r: 20 },
    { x: 220, y: 130, r: 16 },
  ];
  const background: [number, number, number] = [20, 24, 40];
  const nucleus: [number, number, number] = [170, 150, 210];
  const rgb = new Uint8Array(width * height * 3);
  const labels = new Int32Array(width * height);
  const areas = disks.map(() => 0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let id = 0;
      disks.forEach((d, k) => {
        if ((x - d.x) ** 2 + (y - d.y) ** 2 <= d.r * d.r) id = k + 1;
      });
      labels[i] = id;
      const c = id ? nucleus : background;
      rgb.set(c, i * 3);
      if (id) areas[id - 1]++;
    }
  }
  return { width, height, rgb, labels, areas, disks, background, nucleus };
}

export async function encodePng(c: { width: number; height: number; rgb: Uint8Array }): Promise<Buffer> {
  return sharp(Buffer.from(c.rgb), { raw: { width: c.width, height: c.height, channels: 3 } })
    .png()
    .toBuffer();
}
