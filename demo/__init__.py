"""The demo company: seeds every domain through that domain's services. Local and test only."""
