package io.pagedstream.ingest;

import io.pagedstream.core.request.GenerationResult;
import io.pagedstream.core.request.PromptRequest;
import io.pagedstream.core.request.ResponseFormat;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.core.request.TokenIds;
import io.pagedstream.schemas.avro.ChatTurn;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;

/** Turns requests and rejections into the records ingest writes. */
final class AvroRecords {

  private AvroRecords() {}

  /**
   * The request as it goes to {@code llm.requests}. Token ids win over text (the batcher's rule
   * too), so only one of the two is written: the other would be dead weight on every replica.
   */
  static GenerationRequest request(PromptRequest r, String jobId, long submittedAtMs) {
    SamplingParams p = r.params();
    GenerationRequest.Builder b = GenerationRequest.newBuilder()
        .setId(r.id())
        .setJobId(jobId)
        .setMaxTokens(p.maxTokens())
        .setTemperature(p.temperature())
        .setTopP(p.topP())
        .setTopK(p.topK())
        .setSeed(p.seed())
        .setIgnoreEos(p.ignoreEos())
        .setStop(p.stop())
        .setStopTokenIds(p.stopTokenIds())
        .setLogprobs(p.logprobs())
        .setN(p.n())
        .setFormat(r.format().kind().wire())
        .setCustomId(r.format().customId())
        .setModel(r.format().model())
        .setSubmittedAtMs(submittedAtMs);
    if (r.isChat()) {
      // the batcher renders them with the model's chat template: only it knows the model
      b.setMessages(r.messages().stream()
          .map(m -> ChatTurn.newBuilder().setRole(m.role().wireName()).setContent(m.content())
              .setTextParts(m.textParts()).build()).toList())
          .setPrompt(null).setPromptTokenIds(null);
      return b.build();
    }
    if (r.promptTokenIds() != null) {
      b.setPromptTokenIds(TokenIds.toList(r.promptTokenIds())).setPrompt(null);
    } else {
      b.setPrompt(r.prompt()).setPromptTokenIds(null);
    }
    return b.build();
  }

  /** The error result of a line or request that never reaches the batcher. */
  static Completion error(String id, String jobId, String message, ResponseFormat format, long nowMs) {
    return Completion.newBuilder()
        .setId(id)
        .setJobId(jobId)
        .setFormat(format.kind().wire())
        .setCustomId(format.customId())
        .setModel(format.model())
        .setFinishReason(GenerationResult.ERROR)
        .setError(oneLine(message))
        .setCompletedAtMs(nowMs)
        .build();
  }

  /** Error texts are shown one per result row: the first line, at most 1000 characters. */
  static String oneLine(String message) {
    String first = message == null || message.isBlank() ? "unknown error"
        : message.strip().lines().findFirst().orElse("unknown error");
    return first.length() > 1000 ? first.substring(0, 997) + "..." : first;
  }
}
