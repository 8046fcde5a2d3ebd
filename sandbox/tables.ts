// Server-side printing: `Accept: application/json;as=Table;g=meta.k8s.io;v=v1` gets a
// meta.k8s.io Table, with kcp's columns for workspaces and kubectl's usual ones for
// the built-in kinds; other kinds get Name, their printer columns, and Age.
import { grKey, type ResourceType } from './resources.ts';
import { humanAge, type KObj } from './util.ts';

interface Col {
  name: string;
  type: string;
  description: string;
  priority?: number;
  cell: (o: KObj) => unknown;
}

/** Reads `.a.b['c.d'][0]`-style simple JSON paths. */
export function simpleJsonPath(o: unknown, path: string): unknown {
  const toks: string[] = [];
  const re = /\.([A-Za-z0-9_$-]+)|\[['"]([^'"]+)['"]\]|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) toks.push(m[1] ?? m[2] ?? m[3]);
  let cur: unknown = o;
  for (const t of toks) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as KObj)[t];
  }
  return cur;
}

const nameCol: Col = {
  name: 'Name',
  type: 'string',
  description: 'Name must be unique within a namespace. More info: http://kubernetes.io/docs/user-guide/identifiers#names',
  cell: (o) => o.metadata.name,
};
const ageCol: Col = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: (o) => humanAge(o.metadata.creationTimestamp),
};

function columnsFor(t: ResourceType): Col[] {
  const k = grKey(t.group, t.resource);
  const count = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).length : 0);
  switch (k) {
    case '/namespaces':
      return [nameCol, { name: 'Status', type: 'string', description: 'The status of the namespace', cell: (o) => o.status?.phase ?? '' }, ageCol];
    case '/configmaps':
      return [nameCol, { name: 'Data', type: 'string', description: 'Data contains the configuration data.', cell: (o) => count(o.data) + count(o.binaryData) }, ageCol];
    case '/secrets':
      return [
        nameCol,
        { name: 'Type', type: 'string', description: 'The type of the secret', cell: (o) => o.type ?? 'Opaque' },
        { name: 'Data', type: 'string', description: 'Number of keys in data', cell: (o) => count(o.data) },
        ageCol,
      ];
    case '/serviceaccounts':
      return [nameCol, { name: 'Secrets', type: 'string', description: 'Secrets', cell: (o) => (o.secrets ?? []).length }, ageCol];
    case 'tenancy.kcp.io/workspaces':
      // kcp prints NAME TYPE REGION PHASE URL AGE
      return [
        nameCol,
        { name: 'Type', type: 'string', description: 'Type of the workspace', cell: (o) => o.spec?.type?.name ?? '' },
        { name: 'Region', type: 'string', description: 'The region this workspace is in', cell: (o) => o.metadata.labels?.region ?? '' },
        { name: 'Phase', type: 'string', description: 'The current phase (e.g. Scheduling, Initializing, Ready)', cell: (o) => o.metadata.labels?.['tenancy.kcp.io/phase'] ?? '' },
        { name: 'URL', type: 'string', description: 'URL to access the workspace', cell: (o) => o.spec?.URL ?? '' },
        ageCol,
      ];
  }
  const cols: Col[] = [nameCol];
  for (const pc of t.printerColumns ?? []) {
    if (pc.name.toLowerCase() === 'age' || pc.name.toLowerCase() === 'name') continue;
    cols.push({
      name: pc.name,
      type: pc.type === 'date' ? 'string' : pc.type,
      description: pc.description ?? '',
      priority: pc.priority ?? 0,
      cell: (o) => {
        const v = simpleJsonPath(o, pc.jsonPath);
        if (pc.type === 'date' && typeof v === 'string') return humanAge(v);
        return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : v;
      },
    });
  }
  cols.push(ageCol);
  return cols;
}

function partialMeta(o: KObj): KObj {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(t: ResourceType, items: KObj[], listMeta: KObj, opts: { includeObject?: string; noHeaders?: boolean } = {}): KObj {
  const cols = columnsFor(t);
  const include = opts.includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: opts.noHeaders
      ? []
      : cols.map((c) => ({ name: c.name, type: c.type, format: c === nameCol ? 'name' : '', description: c.description, priority: c.priority ?? 0 })),
    rows: items.map((o) => {
      const row: KObj = { cells: cols.map((c) => c.cell(o)) };
      if (include === 'Object') row.object = o;
      else if (include === 'Metadata') row.object = partialMeta(o);
      return row;
    }),
  };
}

/** Whether an Accept header asks for a Table (and we may answer with one). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const p = part.replace(/\s/g, '');
    return /(^|;)as=Table(;|$)/.test(p) && /(^|;)g=meta\.k8s\.io(;|$)/.test(p) && /(^|;)v=v1(beta1)?(;|$)/.test(p);
  });
}

/** Whether the Accept header asks for PartialObjectMetadata(List). */
export function wantsPartialMetadata(accept: string | undefined): boolean {
  return Boolean(accept && /as=PartialObjectMetadata/.test(accept));
}

export { partialMeta };
