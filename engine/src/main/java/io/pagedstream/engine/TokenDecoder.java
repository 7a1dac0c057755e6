package io.pagedstream.engine;

/**
 * Text of token ids, as the model's tokenizer decodes them (special tokens included). The engine
 * works on ids and needs text only to find stop strings; a tokenizer's {@code decode} method
 * satisfies this by method reference ({@code engine.setTokenDecoder(tokenizer::decode)}).
 */
@FunctionalInterface
public interface TokenDecoder {

  String decode(int[] ids);
}
