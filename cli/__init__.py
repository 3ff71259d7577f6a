"""The operator's command line (Japanese): the parser, the commands and their wording."""
