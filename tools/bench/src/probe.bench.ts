import sharp from 'sharp';
import { generateSyntheticSample, imageKind } from '@nuclei/data';
(async () => {
  for (const style of ['fluorescent', 'stained', 'brightfield'] as const) {
    const { image } = generateSyntheticSample({ width: 192, height: 192, seed: 7, style });
    console.log(style, imageKind(image.data));
    await sharp(Buffer.from(image.data), { raw: { width: 192, height: 192, channels: 3 } }).png().toFile(`/tmp/x/syn-${style}.png`);
  }
})();
