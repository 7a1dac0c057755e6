package io.pagedstream.schemas.registry;

/**
 * A schema registry call failed. {@link #errorCode()} is the registry's {@code error_code} (see the
 * constants) or the HTTP status when the body had none; {@link #status()} is the HTTP status, or 0
 * when no registry answered at all.
 */
public class SchemaRegistryException extends RuntimeException {

  public static final int SUBJECT_NOT_FOUND = 40401;
  public static final int VERSION_NOT_FOUND = 40402;
  public static final int SCHEMA_NOT_FOUND = 40403;
  public static final int INCOMPATIBLE_SCHEMA = 409;
  public static final int INVALID_SCHEMA = 42201;
  public static final int UNAUTHORIZED = 401;

  /** No registry answered: every URL failed to connect, or the call timed out or was cut short. */
  public static final int UNREACHABLE = 0;

  private final int status;
  private final int errorCode;

  public SchemaRegistryException(String message, int status, int errorCode) {
    this(message, status, errorCode, null);
  }

  public SchemaRegistryException(String message, int status, int errorCode, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.errorCode = errorCode;
  }

  public int status() {
    return status;
  }

  public int errorCode() {
    return errorCode;
  }

  /** The subject, version or schema does not exist (HTTP 404). */
  public boolean isNotFound() {
    return status == 404;
  }

  /**
   * The registry could not be reached or failed on its side (5xx): retrying later may succeed, so
   * callers should not treat the record as bad.
   */
  public boolean isRetriable() {
    return status == UNREACHABLE || status >= 500;
  }
}
