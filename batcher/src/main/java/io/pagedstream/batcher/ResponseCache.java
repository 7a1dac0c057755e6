package io.pagedstream.batcher;

import io.pagedstream.core.model.ModelFingerprint;
import io.pagedstream.core.request.CacheKey;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.core.request.TokenIds;
import io.pagedstream.schemas.RequestRecords;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.Completion;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Answers a deterministic request (greedy, or sampled with a seed) from an earlier identical one's
 * completion, which the processors write to the compacted response-cache topic under {@link
 * CacheKey}. The batcher reads that topic as a global store, so any job reuses any earlier job's
 * answers, and a job re-submitted after a crash costs only the requests never answered.
 */
final class ResponseCache {

  static final String PROCESSOR = "response-cache";

  private final String modelFingerprint;

  ResponseCache(String modelFingerprint) {
    this.modelFingerprint = modelFingerprint;
  }

  static ResponseCache forModel(Path modelDir) {
    return new ResponseCache(ModelFingerprint.of(modelDir));
  }

  Optional<String> keyFor(BatchedRequest r) {
    int[] ids = TokenIds.toArray(r.getPromptTokenIds());
    SamplingParams p = RequestRecords.params(r);
    return CacheKey.of(modelFingerprint, ids, p);
  }

  /** The cached answer for the request, re-addressed to it, if the cache holds one. */
  Optional<Completion> answer(
      ReadOnlyKeyValueStore<String, Completion> store, BatchedRequest r, long nowMs) {
    return keyFor(r)
        .map(store::get)
        .map(
            hit ->
                Completion.newBuilder(hit)
                    .setId(r.getId())
                    .setJobId(r.getJobId())
                    .setQueueMs(
                        r.getSubmittedAtMs() > 0 ? Math.max(0, nowMs - r.getSubmittedAtMs()) : 0)
                    .setFirstTokenMs(0)
                    .setGenerationMs(0)
                    .setBatchId(null)
                    .setProcessor(PROCESSOR)
                    .setCompletedAtMs(nowMs)
                    .setCached(true)
                    // the same content, written as this request asked (the earlier one may have
                    // been native)
                    .setFormat(r.getFormat())
                    .setCustomId(r.getCustomId())
                    .setModel(r.getModel())
                    .build());
  }
}
