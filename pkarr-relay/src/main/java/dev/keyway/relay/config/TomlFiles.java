package dev.keyway.relay.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Reads a TOML file into a tree of plain Java records (one record per table), strictly: an
 * unknown key, a key of the wrong type, or a syntax error becomes a {@link ConfigException} that
 * names the file, the table and the key, and for unknown keys lists the known ones. Record
 * components map to {@code snake_case} keys ({@code bindAddr} reads {@code bind_addr}); absent
 * keys read as null, so components should be boxed types and the caller applies its defaults
 * while validating.
 *
 * <p>This is the whole "config loading approach": read strictly here, then validate once into an
 * immutable config object (as {@code RelayConfig.fromFile} does), then never change it.
 */
public final class TomlFiles {
  private static final TomlMapper MAPPER = TomlMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .build();

  private TomlFiles() {}

  /** Reads {@code file} into {@code type}. */
  public static <T> T read(Path file, Class<T> type) {
    Objects.requireNonNull(file, "file");
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    return parse(text, type, file.toString());
  }

  /** Parses TOML text; {@code source} names it in error messages. */
  public static <T> T parse(String toml, Class<T> type, String source) {
    try {
      T value = MAPPER.readValue(toml, type);
      if (value == null) {
        throw new ConfigException(source + ": empty config");
      }
      return value;
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
          .map(Object::toString).sorted().collect(Collectors.joining(", "));
      throw new ConfigException(source + ": unknown key '" + e.getPropertyName() + "'"
          + where(e) + (known.isEmpty() ? "" : " (known keys: " + known + ")"), e);
    } catch (MismatchedInputException e) {
      throw new ConfigException(source + ": wrong type for " + path(e) + ": "
          + e.getOriginalMessage().replaceAll(" \\(.*", "").replaceAll("`[a-z.]+\\.([A-Za-z]+)`", "$1"), e);
    } catch (JsonMappingException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ConfigException ce) {
        throw new ConfigException(source + ": " + ce.getMessage(), ce);
      }
      if (cause instanceof IllegalArgumentException iae) {
        throw new ConfigException(source + ": " + path(e) + ": " + iae.getMessage(), iae);
      }
      throw new ConfigException(source + ": " + path(e) + ": " + e.getOriginalMessage(), e);
    } catch (JacksonException e) {
      throw new ConfigException(source + ": not valid TOML: " + e.getOriginalMessage(), e);
    }
  }

  private static String where(JsonMappingException e) {
    String table = tablePath(e, 1);
    return table.isEmpty() ? " at the top level" : " in [" + table + "]";
  }

  private static String path(JsonMappingException e) {
    String p = tablePath(e, 0);
    return p.isEmpty() ? "the file" : "'" + p + "'";
  }

  /** The dotted key path, without its last {@code dropLast} elements. */
  private static String tablePath(JsonMappingException e, int dropLast) {
    var refs = e.getPath();
    return refs.subList(0, Math.max(0, refs.size() - dropLast)).stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()))
        .collect(Collectors.joining("."));
  }
}
