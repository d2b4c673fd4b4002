"""Understanding citizens' messages: gazetteer, entity rules, the category classifier, Rasa components."""
