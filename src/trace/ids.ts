const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, "0"));

function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  let out = "";
  do {
    crypto.getRandomValues(buf);
    out = "";
    for (let i = 0; i < bytes; i++) out += HEX[buf[i]];
  } while (/^0+$/.test(out)); // all-zero ids are invalid
  return out;
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);
