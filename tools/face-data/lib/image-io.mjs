// Image decoding/encoding via sharp (prebuilt libvips from npm; works offline).
import sharp from 'sharp';

sharp.cache(false);
sharp.concurrency(1);

/** Decode any image file to HWC RGB uint8 (EXIF orientation applied, alpha dropped). */
export async function readRGB(file) {
  const { data, info } = await sharp(file).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: expected 3 channels, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Resize an RGB crop (bilinear-ish, libvips) to size x size. */
export async function resizeRGB(rgb, w, h, size) {
  const buf = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length), { raw: { width: w, height: h, channels: 3 } })
    .resize(size, size, { kernel: 'linear', fit: 'fill' }).raw().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** JPEG round trip at the given quality (real JPEG artefacts as augmentation). */
export async function jpegRoundTrip(rgb, w, h, quality) {
  const jpg = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length), { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  const raw = await sharp(jpg).raw().toBuffer();
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
}

/**
 * Write a contact sheet PNG of square RGB crops.
 * @param {Uint8Array[]} crops each size*size*3
 */
export async function writeContactSheet(file, crops, size, cols = 10) {
  const rows = Math.max(1, Math.ceil(crops.length / cols));
  const W = cols * size, H = rows * size;
  const sheet = new Uint8Array(W * H * 3);
  crops.forEach((c, k) => {
    const ox = (k % cols) * size, oy = Math.floor(k / cols) * size;
    for (let y = 0; y < size; y++) sheet.set(c.subarray(y * size * 3, (y + 1) * size * 3), ((oy + y) * W + ox) * 3);
  });
  await sharp(Buffer.from(sheet.buffer), { raw: { width: W, height: H, channels: 3 } }).png().toFile(file);
}
