"""Every fixed sentence a member reads, one module per purpose, channel-neutral (adapters render them):
feelings (a word that answers what was said), holding (while staff look, and their answer's opening),
welcome (follow, greetings, stickers, groups), notices (the gate, feedback, input we cannot take).
The crisis replies are bot/safety/replies.py."""
