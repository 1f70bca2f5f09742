/**
 * Reading TOML config files the keyway way: strict (unknown keys are errors that list the known
 * ones), with humane durations ({@code "10s"}, {@code "7d"}), validated once into immutable
 * objects. {@link dev.keyway.relay.config.TomlFiles} does the reading for any section class;
 * {@link dev.keyway.relay.config.Durations} parses durations. The relay's own file format is
 * {@link dev.keyway.relay.RelayConfig}.
 */
package dev.keyway.relay.config;
