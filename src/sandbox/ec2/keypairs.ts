// Key pairs: listed by name or id. The seed makes one, which RunInstances' KeyName may name.
import type { SandboxKeyPair } from '../model.js';
import { type ActionHandler, applyFilters, Ec2Error, filtersOf } from './common.js';

export const describeKeyPairs: ActionHandler = ({ state, p }) => {
  const names = p.list('KeyName');
  const ids = p.list('KeyPairId');
  for (const name of names) {
    if (!state.ec2.keyPairs.some((k) => k.name === name)) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${name}' does not exist`);
  }
  for (const id of ids) {
    if (!state.ec2.keyPairs.some((k) => k.id === id)) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair ID '${id}' does not exist`);
  }
  const chosen = state.ec2.keyPairs.filter((k) => (names.length === 0 || names.includes(k.name)) && (ids.length === 0 || ids.includes(k.id)));
  // Key pairs carry no tags here; the filter code wants a tag list on everything.
  const pairs = applyFilters(
    chosen.map((k) => ({ ...k, tags: [] })),
    filtersOf(p),
    {
      'key-name': (k: SandboxKeyPair) => [k.name],
      'key-pair-id': (k: SandboxKeyPair) => [k.id],
      fingerprint: (k: SandboxKeyPair) => [k.fingerprint],
    },
  );
  return {
    keySet: pairs.map((k) => ({ keyPairId: k.id, keyName: k.name, keyFingerprint: k.fingerprint, keyType: 'rsa', tagSet: [] })),
  };
};
