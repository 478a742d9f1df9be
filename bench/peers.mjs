// One adapter per peer library, each configured the way its own docs set it
// up for prefix typeahead, indexing `code` and `description` of every row:
//
//   build(rows)            -> index           (from the parsed data)
//   exportIndex(index)     -> string          (the library's own serialization)
//   load(text, rows)       -> index           (from that export; `rows` only when
//                                              needsDocs: the export does not hold
//                                              the codes/descriptions a typeahead
//                                              shows, so the data file ships too)
//   search(index, q, rows) -> top-10 codes    (may return a promise)
//
// `lib` names the file counted as "the library" in the bytes column: the
// package's own minified dist file, or, for packages that ship none
// (MiniSearch, Orama), their ESM entry bundled and minified with esbuild.

import { readFileSync } from 'node:fs';
import { Document } from 'flexsearch';
import MiniSearch from 'minisearch';
import Fuse from 'fuse.js';
import { create, insertMultiple, load as oramaLoad, save as oramaSave, search as oramaSearch } from '@orama/orama';
import lunr from 'lunr';

const NM = new URL('./node_modules/', import.meta.url);
export const version = (pkg) => JSON.parse(readFileSync(new URL(`${pkg}/package.json`, NM), 'utf8')).version;

const LIMIT = 10;
const unique = (codes) => [...new Set(codes)].slice(0, LIMIT);

// FlexSearch: a Document index over both fields, tokenize "forward" (the
// README: "a forward tokenizer is the minimum for an instant search"),
// default encoder, no suggest. Fields are searched separately; code hits
// first, then description hits.
const flexOptions = () => ({
  document: {
    id: 'id',
    index: [
      { field: 'code', tokenize: 'forward' },
      { field: 'description', tokenize: 'forward' },
    ],
  },
});

const flexsearch = {
  name: 'FlexSearch',
  pkg: 'flexsearch',
  lib: { file: 'flexsearch/dist/flexsearch.bundle.module.min.mjs' },
  settings: 'Document, code + description fields, tokenize "forward", default encoder',
  needsDocs: true,
  build(rows) {
    const index = new Document(flexOptions());
    for (const r of rows) index.add(r);
    return index;
  },
  async exportIndex(index) {
    const out = {};
    await index.export((key, data) => {
      out[key] = data;
    });
    return JSON.stringify(out);
  },
  async load(text) {
    const index = new Document(flexOptions());
    for (const [key, data] of Object.entries(JSON.parse(text))) await index.import(key, data);
    return index;
  },
  search(index, q, rows) {
    const ids = [];
    for (const field of index.search(q, { limit: LIMIT })) ids.push(...field.result);
    return unique(ids.map((id) => rows[id].code));
  },
};

// MiniSearch: the README's search options for as-you-type, prefix: true and
// fuzzy: 0.2, default tokenizer and OR combination.
const miniOptions = {
  fields: ['code', 'description'],
  searchOptions: { prefix: true, fuzzy: 0.2 },
};

const minisearch = {
  name: 'MiniSearch',
  pkg: 'minisearch',
  lib: { bundle: 'minisearch', hasDefault: true },
  settings: 'fields code + description, searchOptions { prefix: true, fuzzy: 0.2 }',
  needsDocs: true,
  build(rows) {
    const index = new MiniSearch(miniOptions);
    index.addAll(rows);
    return index;
  },
  exportIndex(index) {
    return JSON.stringify(index);
  },
  load(text) {
    return MiniSearch.loadJSON(text, miniOptions);
  },
  search(index, q, rows) {
    return unique(index.search(q).slice(0, LIMIT).map((r) => rows[r.id].code));
  },
};

// Fuse.js: keys code + description, every other option its default
// (threshold 0.6). Its export is the key index (Fuse.createIndex/toJSON); the
// list itself is needed to search.
const fuseOptions = { keys: ['code', 'description'] };

const fuse = {
  name: 'Fuse.js',
  pkg: 'fuse.js',
  lib: { file: 'fuse.js/dist/fuse.min.mjs' },
  settings: 'keys code + description, defaults (threshold 0.6)',
  needsDocs: true,
  build(rows) {
    return new Fuse(rows, fuseOptions);
  },
  exportIndex(index) {
    return JSON.stringify(index.getIndex().toJSON());
  },
  load(text, rows) {
    return new Fuse(rows, fuseOptions, Fuse.parseIndex(JSON.parse(text)));
  },
  search(index, q) {
    return unique(index.search(q, { limit: LIMIT }).map((r) => r.item.code));
  },
};

// Orama: schema code + description (strings), search with the defaults
// (prefix matching, tolerance 0). Its save() holds the documents.
const oramaSchema = { code: 'string', description: 'string' };

const orama = {
  name: 'Orama',
  pkg: '@orama/orama',
  lib: { bundle: '@orama/orama' },
  settings: 'schema code + description, search { term, limit: 10 } with default tolerance',
  needsDocs: false,
  async build(rows) {
    const db = create({ schema: oramaSchema });
    await insertMultiple(
      db,
      rows.map((r) => ({ code: r.code, description: r.description })),
    );
    return db;
  },
  exportIndex(db) {
    return JSON.stringify(oramaSave(db));
  },
  load(text) {
    const db = create({ schema: oramaSchema });
    oramaLoad(db, JSON.parse(text));
    return db;
  },
  search(db, q) {
    const r = oramaSearch(db, { term: q, limit: LIMIT });
    const codes = (res) => unique(res.hits.map((h) => h.document.code));
    return typeof r?.then === 'function' ? r.then(codes) : codes(r);
  },
};

// Lunr: ref + fields code and description, default pipeline; each query
// token a term with a trailing wildcard (the guide's query-builder form).
const lunrIndex = {
  name: 'Lunr',
  pkg: 'lunr',
  lib: { file: 'lunr/lunr.min.js' },
  settings: 'fields code + description, default pipeline, every term with a trailing wildcard',
  needsDocs: true,
  build(rows) {
    return lunr(function () {
      this.ref('id');
      this.field('code');
      this.field('description');
      for (const r of rows) this.add(r);
    });
  },
  exportIndex(index) {
    return JSON.stringify(index);
  },
  load(text) {
    return lunr.Index.load(JSON.parse(text));
  },
  search(index, q, rows) {
    const tokens = lunr.tokenizer(q);
    if (tokens.length === 0) return [];
    try {
      return unique(
        index
          .query((qb) => {
            for (const t of tokens) qb.term(t.toString(), { wildcard: lunr.Query.wildcard.TRAILING });
          })
          .slice(0, LIMIT)
          .map((r) => rows[Number(r.ref)].code),
      );
    } catch {
      return []; // a query lunr cannot parse answers nothing
    }
  },
};

export const PEERS = { flexsearch, minisearch, fuse, orama, lunr: lunrIndex };
