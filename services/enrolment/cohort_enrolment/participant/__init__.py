"""The participant page: signed links (`links`), the events that carry them (`issuing`),
what the page shows (`view`, pure) and its routes (`page`)."""
