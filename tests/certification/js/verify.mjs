// Independent verifier: checks a credential signed by Cohort's Python code with the
// Digital Bazaar stack (@digitalbazaar/vc + data-integrity + eddsa-rdfc-2022-cryptosuite).
//
// stdin:  {"credential": {...}, "documents": {"<url>": {...}}, "contexts": "<dir>"?}
// stdout: {"verified": true|false, "error": null|"<messages>"}
//
// Offline and fail-closed: the document loader serves only the pinned JSON-LD contexts
// (INDEX.json in the contexts folder, by default the certification service's own copy) and
// the documents passed in (the issuer's controller document; a URL with a #fragment is
// dereferenced inside the document at its base URL, as a resolver does). Everything else
// is refused, so nothing is ever fetched from the network.
//
// Only the proof is checked: issuer = controller of the verification method, the method
// listed under the controller's assertionMethod, the eddsa-rdfc-2022 signature, and the
// VC data model checks of @digitalbazaar/vc. `credentialStatus` (revocation) is deliberately
// NOT consulted here: a revoked credential still carries a valid proof.
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_CONTEXTS = path.resolve(
  HERE, '../../../services/certification/cohort_certification/contexts');

function pinnedContexts(dir) {
  const index = JSON.parse(readFileSync(path.join(dir, 'INDEX.json'), 'utf8'));
  const contexts = new Map();
  for(const [url, file] of Object.entries(index)) {
    contexts.set(url, JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  }
  return contexts;
}

function makeDocumentLoader({contexts, documents}) {
  return async url => {
    const found = (document, contextUrl = null) =>
      ({contextUrl, documentUrl: url, document: structuredClone(document)});
    if(contexts.has(url)) {
      return found(contexts.get(url));
    }
    if(Object.hasOwn(documents, url)) {
      return found(documents[url]);
    }
    const hash = url.indexOf('#');
    if(hash > 0 && Object.hasOwn(documents, url.slice(0, hash))) {
      const base = documents[url.slice(0, hash)];
      const methods = [].concat(base.verificationMethod ?? []);
      const method = methods.find(m => m && typeof m === 'object' && m.id === url);
      if(method) {
        return found({'@context': base['@context'], ...method});
      }
    }
    throw new Error(`document loader: "${url}" is not pinned locally (refused)`);
  };
}

function messages(error) {
  if(!error) {
    return [];
  }
  if(Array.isArray(error)) {
    return error.flatMap(messages);
  }
  const own = error.message ? [String(error.message)] : [];
  return [...own, ...messages(error.errors)];
}

async function main() {
  const input = JSON.parse(readFileSync(0, 'utf8'));
  const {credential, documents = {}} = input;
  const documentLoader = makeDocumentLoader({
    contexts: pinnedContexts(input.contexts ?? DEFAULT_CONTEXTS),
    documents
  });
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  let result;
  try {
    result = await vc.verifyCredential({
      credential,
      suite,
      documentLoader,
      // proof only: the status list is a separate credential, checked elsewhere
      checkStatus: async () => ({verified: true})
    });
  } catch(error) {
    result = {verified: false, error};
  }
  const errors = [
    ...messages(result.error),
    ...(result.results ?? []).flatMap(r => messages(r.error)),
  ];
  const unique = [...new Set(errors)];
  process.stdout.write(JSON.stringify({
    verified: result.verified === true,
    error: result.verified === true ? null : (unique.join('; ') || 'not verified')
  }) + '\n');
}

main().catch(error => {
  process.stdout.write(JSON.stringify({verified: false, error: String(error?.stack ?? error)}) + '\n');
  process.exitCode = 2;
});
