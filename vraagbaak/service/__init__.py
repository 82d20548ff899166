"""The HTTP API and the drafters' page over a Vraagbaak index."""
