// oidc-provider's own in-memory adapter is an LRU of 1,000 entries, meant for trying it out: under the refresh
// scenario it evicts the grants (every rotation stores a token) and the refreshes fail with invalid_grant. This one
// keeps everything in plain Maps for the life of the process, expiring entries when they are read: still "everything
// in memory", the peer's best case, without the eviction.
const stores = new Map(); // model name -> Map(id -> { payload, expiresAt })
const grants = new Map(); // grantId -> Set of [model, id]

const now = () => Date.now();

export default class MapAdapter {
  constructor(model) {
    this.model = model;
    if (!stores.has(model)) stores.set(model, new Map());
    this.store = stores.get(model);
  }

  async upsert(id, payload, expiresIn) {
    this.store.set(id, { payload, expiresAt: expiresIn ? now() + expiresIn * 1000 : Infinity });
    if (payload.grantId) {
      if (!grants.has(payload.grantId)) grants.set(payload.grantId, new Set());
      grants.get(payload.grantId).add([this.model, id]);
    }
  }

  async find(id) {
    const entry = this.store.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      this.store.delete(id);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    for (const [id, { payload }] of this.store) if (payload.uid === uid) return this.find(id);
    return undefined;
  }

  async findByUserCode(userCode) {
    for (const [id, { payload }] of this.store) if (payload.userCode === userCode) return this.find(id);
    return undefined;
  }

  async consume(id) {
    const entry = this.store.get(id);
    if (entry) entry.payload.consumed = Math.floor(now() / 1000);
  }

  async destroy(id) {
    this.store.delete(id);
  }

  async revokeByGrantId(grantId) {
    for (const [model, id] of grants.get(grantId) ?? []) stores.get(model)?.delete(id);
    grants.delete(grantId);
  }
}
