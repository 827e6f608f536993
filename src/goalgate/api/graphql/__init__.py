"""The GraphQL face: a Strawberry schema over the same services as REST."""
