// CreateTags and DeleteTags on any kind of resource the sandbox has, found by its id.
import type { SandboxState, Tag } from '../model.js';
import { type ActionHandler, Ec2Error, type Params, putTags, tagsOf } from './common.js';
import { findGroupById, findImage, findInstance, findSnapshot, findVolume } from './lookups.js';

/** The tag list of the resource with this id; the id's prefix says which kind it is. */
function tagsOfResource(state: SandboxState, id: string): Tag[] {
  const prefix = id.slice(0, id.lastIndexOf('-'));
  switch (prefix) {
    case 'i':
      return findInstance(state, id).tags;
    case 'ami':
      return findImage(state, id).tags;
    case 'vol':
      return findVolume(state, id).tags;
    case 'snap':
      return findSnapshot(state, id).tags;
    case 'sg':
      return findGroupById(state, id).tags;
    case 'eipalloc': {
      const found = state.ec2.addresses.find((a) => a.allocationId === id);
      if (!found) throw new Ec2Error('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`);
      return found.tags;
    }
    default:
      throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`);
  }
}

/** Every resource is found before any is changed, so a bad id changes nothing. */
function resources(state: SandboxState, p: Params): Tag[][] {
  const ids = p.list('ResourceId');
  if (ids.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter resourceIdSet');
  return ids.map((id) => tagsOfResource(state, id));
}

export const createTags: ActionHandler = ({ state, p }) => {
  const targets = resources(state, p);
  const tags = tagsOf(p);
  if (tags.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter tagSet');
  for (const target of targets) putTags(structuredClone(target), tags);
  for (const target of targets) putTags(target, tags);
  return { return: true };
};

export const deleteTags: ActionHandler = ({ state, p }) => {
  const targets = resources(state, p);
  const wanted = p.group('Tag').map((t) => ({ key: t.str('Key') ?? '', value: t.str('Value') }));
  for (const target of targets) {
    // No tags named: all of them go. A tag given with a value goes only when the value matches.
    const keep = wanted.length === 0 ? [] : target.filter((t) => !wanted.some((w) => w.key === t.key && (w.value === undefined || w.value === t.value)));
    target.splice(0, target.length, ...keep);
  }
  return { return: true };
};
