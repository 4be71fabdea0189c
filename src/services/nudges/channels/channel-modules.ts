import type { Channel } from '../../../domain/channels.ts';
import type { ChannelModule } from './channel-module.ts';
import { dm } from './dm.ts';
import { email } from './email.ts';
import { push } from './push.ts';

/** Every channel's module; a channel in domain/channels.ts without one here fails to compile. */
export const CHANNEL_MODULES: Readonly<Record<Channel, ChannelModule>> = { push, dm, email };
