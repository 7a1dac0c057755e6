package io.pagedstream.schemas;

import io.pagedstream.core.request.ResponseFormat;
import io.pagedstream.core.request.SamplingParams;
import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.GenerationRequest;

/**
 * {@link SamplingParams} and {@link ResponseFormat} to the request records and back: the one place
 * their fields are copied, for {@code GenerationRequest} (ingest writes it, the batcher reads it)
 * and {@code BatchedRequest} (the batcher writes it, processors and the response cache read it).
 * The two records are separate Avro types with the same fields, so each has its own overload.
 */
public final class RequestRecords {

  private RequestRecords() {}

  /**
   * The sampling parameters a request record carries.
   *
   * @throws io.pagedstream.core.request.InvalidRequestException when they are out of range (a
   *     record from a producer that skipped ingest's checks)
   */
  public static SamplingParams params(GenerationRequest r) {
    return new SamplingParams(
        r.getTemperature(),
        r.getTopP(),
        r.getTopK(),
        r.getSeed(),
        r.getMaxTokens(),
        r.getIgnoreEos(),
        r.getStop(),
        r.getStopTokenIds(),
        r.getLogprobs(),
        r.getN());
  }

  /** {@link #params(GenerationRequest)} for a batched request. */
  public static SamplingParams params(BatchedRequest r) {
    return new SamplingParams(
        r.getTemperature(),
        r.getTopP(),
        r.getTopK(),
        r.getSeed(),
        r.getMaxTokens(),
        r.getIgnoreEos(),
        r.getStop(),
        r.getStopTokenIds(),
        r.getLogprobs(),
        r.getN());
  }

  /** How the request's result line is written. */
  public static ResponseFormat format(GenerationRequest r) {
    return ResponseFormat.of(r.getFormat(), r.getCustomId(), r.getModel());
  }

  /** {@link #format(GenerationRequest)} for a batched request. */
  public static ResponseFormat format(BatchedRequest r) {
    return ResponseFormat.of(r.getFormat(), r.getCustomId(), r.getModel());
  }

  /** Sets the sampling and format fields of a request record. */
  public static GenerationRequest.Builder set(
      GenerationRequest.Builder b, SamplingParams p, ResponseFormat format) {
    return b.setMaxTokens(p.maxTokens())
        .setTemperature(p.temperature())
        .setTopP(p.topP())
        .setTopK(p.topK())
        .setSeed(p.seed())
        .setIgnoreEos(p.ignoreEos())
        .setStop(p.stop())
        .setStopTokenIds(p.stopTokenIds())
        .setLogprobs(p.logprobs())
        .setN(p.n())
        .setFormat(format.kind().wire())
        .setCustomId(format.customId())
        .setModel(format.model());
  }

  /**
   * {@link #set(GenerationRequest.Builder, SamplingParams, ResponseFormat)} for a batched request.
   */
  public static BatchedRequest.Builder set(
      BatchedRequest.Builder b, SamplingParams p, ResponseFormat format) {
    return b.setMaxTokens(p.maxTokens())
        .setTemperature(p.temperature())
        .setTopP(p.topP())
        .setTopK(p.topK())
        .setSeed(p.seed())
        .setIgnoreEos(p.ignoreEos())
        .setStop(p.stop())
        .setStopTokenIds(p.stopTokenIds())
        .setLogprobs(p.logprobs())
        .setN(p.n())
        .setFormat(format.kind().wire())
        .setCustomId(format.customId())
        .setModel(format.model());
  }
}
