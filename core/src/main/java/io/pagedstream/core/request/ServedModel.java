package io.pagedstream.core.request;

import java.nio.file.Path;

/**
 * The model name OpenAI batch lines must give in {@code body.model}: {@code --served-model-name},
 * by default the model folder's name (as vLLM names a model by the path it was given).
 */
public record ServedModel(String name) {

  public ServedModel {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("the served model name must not be empty");
    }
  }

  /** {@code override} when given, else the folder's own name. */
  public static ServedModel of(Path modelDir, String override) {
    if (override != null && !override.isBlank()) {
      return new ServedModel(override);
    }
    Path name = modelDir.toAbsolutePath().normalize().getFileName();
    return new ServedModel(name == null ? modelDir.toString() : name.toString());
  }

  /** Refuses an OpenAI request that names another model; native requests name none. */
  public void check(PromptRequest r) {
    check(r.format());
  }

  public void check(ResponseFormat format) {
    if (format.isOpenAi() && !name.equals(format.model())) {
      throw new InvalidRequestException(
          "model \""
              + format.model()
              + "\" is not served here: the served model is \""
              + name
              + "\" (--served-model-name)");
    }
  }
}
