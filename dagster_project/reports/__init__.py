"""Figures and validations built on the published reports (the forest plot of the
activities' effects, and the generator's true effects it is validated against)."""
