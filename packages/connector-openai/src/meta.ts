import { jsonMetaCodec } from '@org/connector-core';

/**
 * What Flyte stores between calls (resource_meta), as readable JSON (the Python connector pickles it): the batch
 * id, and the id of the file the connector uploaded, if it did. Never the API key: GetTask resolves it again.
 */
export interface BatchMeta {
  readonly batchId: string;
  readonly uploadedFileId?: string;
  /**
   * The task's `custom.openai_organization`: a key may belong to several organizations, and the batch is found only
   * in the one that created it, so get and delete send it again (as the Python connector does).
   */
  readonly organization?: string;
}

// OpenAI's ids look like `batch_abc123`; gateways mint their own, so only what cannot sit in a URL path is refused.
const ID = /^[^\s/?#]{1,256}$/;

function parseMeta(value: unknown): BatchMeta {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('expected an object');
  const { batchId, uploadedFileId, organization } = value as Record<string, unknown>;
  if (typeof batchId !== 'string' || !ID.test(batchId))
    throw new Error('batchId: expected an OpenAI batch id');
  if (uploadedFileId !== undefined && (typeof uploadedFileId !== 'string' || !ID.test(uploadedFileId))) {
    throw new Error('uploadedFileId: expected an OpenAI file id');
  }
  if (organization !== undefined && (typeof organization !== 'string' || !ID.test(organization))) {
    throw new Error('organization: expected an OpenAI organization id');
  }
  return {
    batchId,
    ...(uploadedFileId === undefined ? {} : { uploadedFileId }),
    ...(organization === undefined ? {} : { organization }),
  };
}

export const batchMetaCodec = jsonMetaCodec(parseMeta);
