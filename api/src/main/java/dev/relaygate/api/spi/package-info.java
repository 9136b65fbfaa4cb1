/**
 * The provider interfaces plugins implement: channels ({@link dev.relaygate.api.spi.ChannelProvider}) and agent
 * handlers ({@link dev.relaygate.api.spi.HandlerProvider}), each found with {@link java.util.ServiceLoader} through a
 * {@code META-INF/services} entry in the plugin jar.
 */
package dev.relaygate.api.spi;
