// Scores the rules against the labels, transaction by transaction. An alert names a card (or a device),
// a time span and an amount floor; the transactions it flags are that card's (device's) transactions in
// [first_ts, last_ts] of at least min_amount. A rule's precision is the share of the transactions it
// flags that are fraudulent (of any pattern); its recall, the share of its own pattern's transactions it
// flags; an instance of a pattern is found when its rule flags at least one of its transactions.

import { PATTERNS } from './transactions.mjs';

/**
 * @param {object[]} transactions as generated (with `label` and `instance`)
 * @param {object[]} instances the planted frauds
 * @param {object[]} alerts rows of demo_fraud_alerts
 */
export function scoreRules(transactions, instances, alerts) {
  const byKey = new Map();
  const add = (key, t) => {
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key).push(t);
  };
  for (const t of transactions) {
    add(`card ${t.card_id}`, t);
    if (t.device_id !== null) add(`device ${t.device_id}`, t);
  }
  for (const list of byKey.values()) list.sort((a, b) => a.ms - b.ms);

  const flagged = new Map(PATTERNS.map((p) => [p.rule, new Set()]));
  for (const a of alerts) {
    const set = flagged.get(a.rule);
    if (!set) continue;
    const list = byKey.get(a.card_id !== null && a.card_id !== undefined ? `card ${a.card_id}` : `device ${a.device_id}`) ?? [];
    const first = Date.parse(a.first_ts);
    const last = Date.parse(a.last_ts);
    const floor = a.min_amount ?? 0;
    for (const t of list) if (t.ms >= first && t.ms <= last && t.amount >= floor) set.add(t);
  }

  const rows = PATTERNS.map(({ rule, pattern, what }) => {
    const set = flagged.get(rule);
    const target = transactions.filter((t) => t.label === pattern);
    const caught = target.filter((t) => set.has(t)).length;
    const ofPattern = instances.filter((i) => i.pattern === pattern);
    const ids = new Set([...set].map((t) => t.txn_id));
    const missed = ofPattern.filter((i) => !i.txnIds.some((id) => ids.has(id)));
    return {
      rule,
      pattern,
      what,
      flagged: set.size,
      fraudulent: [...set].filter((t) => t.label !== null).length,
      patternTransactions: target.length,
      caught,
      instances: ofPattern.length,
      found: ofPattern.length - missed.length,
      missed,
    };
  });
  const union = new Set(PATTERNS.flatMap((p) => [...flagged.get(p.rule)]));
  const fraud = transactions.filter((t) => t.label !== null);
  const any = {
    flagged: union.size,
    fraudulent: [...union].filter((t) => t.label !== null).length,
    patternTransactions: fraud.length,
    caught: fraud.filter((t) => union.has(t)).length,
  };
  return { rows, any };
}
