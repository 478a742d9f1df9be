// The benchmark's data, written once per date into bench/.cache/:
//
//   icd10cm-billable-<date>.tsv   every ICD-10-CM code billable on <date> that
//                                 has a description: `code<TAB>description`,
//                                 one a line, no header, code order. What every
//                                 peer indexes (and medcode searches with
//                                 billableOnly on the same date).
//
// Source: medcode's own inputs (code-sets/icd10cm/tabular.tsv for billable
// leaves and descriptions, validity.tsv for "in effect on the date"), then
// cross-checked against the built wasm module: every code must be billable
// there on the date (mc.get), and the count must match mc.info() minus the
// codes medcode has no description for.
//
// Also the plain-TSV baselines for the size goal (see tsvBaselines()).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { compressedSizes } from '../www/scripts/compressed-size.mjs';

export const ROOT = new URL('../', import.meta.url);
export const CACHE = new URL('./.cache/', import.meta.url);

const readTsv = (rel) => {
  const lines = readFileSync(new URL(rel, ROOT), 'utf8').split('\n');
  const header = lines[0].split('\t');
  const rows = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const cells = lines[i].split('\t');
    const row = {};
    header.forEach((h, j) => (row[h] = cells[j] ?? ''));
    rows.push(row);
  }
  return rows;
};

const inEffect = (row, date) => row.start <= date && date <= row.end;

/** Billable ICD-10-CM codes on `date` with their descriptions, in tabular order. */
export function billableIcd10cm(date) {
  const valid = new Set(readTsv('code-sets/icd10cm/validity.tsv').filter((r) => inEffect(r, date)).map((r) => r.code));
  const tabular = readTsv('code-sets/icd10cm/tabular.tsv');
  const rows = tabular.filter((r) => r.billable === '1' && valid.has(r.code)).map((r) => [r.code, r.description]);
  const described = new Set(tabular.map((r) => r.code));
  const history = new Map(readTsv('code-sets/icd10cm/history.tsv').map((r) => [r.code, r]));
  let undescribed = 0;
  for (const code of valid) {
    if (described.has(code)) continue;
    const h = history.get(code);
    if (h && h.description) rows.push([code, h.description]);
    else undescribed++;
  }
  return { rows, undescribed };
}

/** Writes (once) and returns the path of the TSV the peers index. */
export function dataFile(date) {
  mkdirSync(CACHE, { recursive: true });
  const file = new URL(`icd10cm-billable-${date}.tsv`, CACHE);
  if (!existsSync(file)) {
    const { rows } = billableIcd10cm(date);
    writeFileSync(file, rows.map((r) => r.join('\t')).join('\n') + '\n');
  }
  return file;
}

/** Parses the data TSV (what a peer does with its data file at load). */
export function parseTsv(text) {
  const out = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const tab = text.indexOf('\t', start);
    out.push({ id: out.length, code: text.slice(start, tab), description: text.slice(tab + 1, end) });
    start = end + 1;
  }
  return out;
}

/** raw / gzip -9 / brotli q11 of some bytes (what a static host pre-compresses). */
export const sizes = compressedSizes;

export const addSizes = (...list) =>
  list.reduce((t, s) => ({ raw: t.raw + s.raw, gzip: t.gzip + s.gzip, brotli: t.brotli + s.brotli }), { raw: 0, gzip: 0, brotli: 0 });

/**
 * Plain-TSV baselines (`code<TAB>description` lines):
 * - billable: the benchmark's data (billable ICD-10-CM codes on the date);
 * - module: every code and description the default module embeds — every
 *   ICD-10-CM tabular entry (chapters, blocks, categories, codes), the
 *   described codes of history.tsv, every distinct HCPCS code+description
 *   pair, every place-of-service code with its name and description
 *   (`systems` says which sets the module holds; ICD-10-PCS only if built in).
 */
export function tsvBaselines(date, systems) {
  const billable = readFileSync(dataFile(date));
  const lines = [];
  if (systems.includes('icd10cm')) {
    for (const r of readTsv('code-sets/icd10cm/tabular.tsv')) lines.push(`${r.code}\t${r.description}`);
    for (const r of readTsv('code-sets/icd10cm/history.tsv')) if (r.description) lines.push(`${r.code}\t${r.description}`);
  }
  if (systems.includes('hcpcs')) {
    const seen = new Set();
    for (const r of readTsv('code-sets/hcpcs/codes.tsv')) {
      const line = `${r.code}\t${r.description}`;
      if (!seen.has(line)) (seen.add(line), lines.push(line));
    }
  }
  if (systems.includes('icd10pcs')) {
    for (const r of readTsv('code-sets/icd10pcs/codes.tsv')) lines.push(`${r.code}\t${r.description}`);
  }
  if (systems.includes('pos')) {
    for (const r of readTsv('code-sets/pos/pos.tsv')) lines.push(`${r.code}\t${r.name}\t${r.description}`);
  }
  const module = Buffer.from(lines.join('\n') + '\n');
  return {
    billable: { lines: billable.toString().split('\n').length - 1, ...sizes(billable) },
    module: { lines: lines.length, systems, ...sizes(module) },
  };
}
