/** The pkarr v7 relay server. */
package dev.keyway.relay;
